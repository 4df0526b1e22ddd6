//! Guest memory: main memory (address space 2) and the public output (address space 3).

use crate::isa::address_space;
use crate::{config::SystemConfig, program::SparseMemoryImage};

use super::Fault;

/// The guest's byte-addressed memory. Main memory is one flat zero-initialised allocation (the OS
/// maps its pages lazily, so untouched memory costs nothing); accesses must be naturally aligned.
#[derive(Clone)]
pub struct GuestMemory {
    main: Vec<u8>,
    public_output: Vec<u8>,
    public_capacity: usize,
}

impl std::fmt::Debug for GuestMemory {
    /// Main memory is too large to print; show its size and the public output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestMemory")
            .field("main_size", &self.main.len())
            .field("public_output", &self.public_output)
            .finish()
    }
}

impl GuestMemory {
    /// Zeroed memory for a configuration, with `image` written into main memory. Words of the
    /// image outside main memory or in other address spaces are ignored (the ELF loader already
    /// rejects segments outside memory).
    pub fn new(config: &SystemConfig, image: &SparseMemoryImage) -> Self {
        let mut main = vec![0u8; config.memory_size() as usize];
        for (&(space, addr), &word) in image {
            let a = addr as usize;
            if space == address_space::MEMORY && a + 4 <= main.len() {
                main[a..a + 4].copy_from_slice(&word.to_le_bytes());
            }
        }
        Self {
            main,
            public_output: Vec::new(),
            public_capacity: config.public_output_capacity,
        }
    }

    /// Size of main memory in bytes.
    pub fn size(&self) -> u32 {
        self.main.len() as u32
    }

    /// Reads `N` bytes at a naturally aligned address.
    #[inline(always)]
    pub fn load<const N: usize>(&self, addr: u32) -> Result<[u8; N], Fault> {
        if !(addr as usize).is_multiple_of(N) {
            return Err(Fault::Misaligned {
                addr,
                len: N as u32,
            });
        }
        let a = addr as usize;
        match self.main.get(a..a + N) {
            Some(bytes) => Ok(bytes.try_into().expect("slice of N bytes")),
            None => Err(self.out_of_bounds(addr, N as u32)),
        }
    }

    /// Writes `N` bytes at a naturally aligned address.
    #[inline(always)]
    pub fn store<const N: usize>(&mut self, addr: u32, bytes: [u8; N]) -> Result<(), Fault> {
        if !(addr as usize).is_multiple_of(N) {
            return Err(Fault::Misaligned {
                addr,
                len: N as u32,
            });
        }
        let size = self.size();
        let a = addr as usize;
        match self.main.get_mut(a..a + N) {
            Some(slot) => {
                slot.copy_from_slice(&bytes);
                Ok(())
            }
            None => Err(Fault::OutOfBounds {
                addr,
                len: N as u32,
                size,
            }),
        }
    }

    /// `len` bytes at any address (syscall buffers need no alignment).
    pub fn read_bytes(&self, addr: u32, len: u32) -> Result<&[u8], Fault> {
        let end = addr as usize + len as usize;
        self.main
            .get(addr as usize..end)
            .ok_or(self.out_of_bounds(addr, len))
    }

    /// Writes bytes at any address.
    pub fn write_bytes(&mut self, addr: u32, data: &[u8]) -> Result<(), Fault> {
        let size = self.size();
        let end = addr as usize + data.len();
        let slot = self
            .main
            .get_mut(addr as usize..end)
            .ok_or(Fault::OutOfBounds {
                addr,
                len: data.len() as u32,
                size,
            })?;
        slot.copy_from_slice(data);
        Ok(())
    }

    /// Appends bytes to the public output.
    pub fn append_public_output(&mut self, data: &[u8]) -> Result<(), Fault> {
        if self.public_output.len() + data.len() > self.public_capacity {
            return Err(Fault::PublicOutputFull {
                capacity: self.public_capacity as u32,
                requested: (self.public_output.len() + data.len()) as u32,
            });
        }
        self.public_output.extend_from_slice(data);
        Ok(())
    }

    /// The bytes revealed so far.
    pub fn public_output(&self) -> &[u8] {
        &self.public_output
    }

    fn out_of_bounds(&self, addr: u32, len: u32) -> Fault {
        Fault::OutOfBounds {
            addr,
            len,
            size: self.size(),
        }
    }
}
