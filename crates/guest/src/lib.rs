//! Guest-side library for Tessera (placeholder being written).
#![no_std]
pub mod abi;
