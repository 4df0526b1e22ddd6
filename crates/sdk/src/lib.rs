//! SDK (being written)
