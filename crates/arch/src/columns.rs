//! Column structs: a chip's trace row as a `#[repr(C)]` struct of `T`s, viewed in place.

/// Implements `Borrow<$cols<T>>` and `BorrowMut<$cols<T>>` for `[T]`, so that an AIR reads a
/// row as a struct (`let cols: &MyCols<AB::Var> = row.borrow();`) and trace generation fills
/// one (`let cols: &mut MyCols<F> = row.borrow_mut();`). The struct must be `#[repr(C)]`,
/// generic over one type `T`, and made only of `T`s and arrays or structs of `T`s.
///
/// ```
/// use std::borrow::Borrow;
///
/// #[repr(C)]
/// pub struct PairCols<T> { pub x: T, pub y: [T; 2] }
/// tessera_arch::impl_columns!(PairCols);
///
/// let row = [1u32, 2, 3];
/// let cols: &PairCols<u32> = row[..].borrow();
/// assert_eq!((cols.x, cols.y), (1, [2, 3]));
/// assert_eq!(PairCols::<u8>::WIDTH, 3);
/// ```
#[macro_export]
macro_rules! impl_columns {
    ($cols:ident) => {
        impl<T> $cols<T> {
            /// Number of columns.
            pub const WIDTH: usize = ::std::mem::size_of::<$cols<u8>>();
        }

        impl<T> ::std::borrow::Borrow<$cols<T>> for [T] {
            fn borrow(&self) -> &$cols<T> {
                assert_eq!(self.len(), $cols::<T>::WIDTH, "row width");
                // SAFETY: `$cols<T>` is `repr(C)` and consists of exactly WIDTH fields of type
                // `T` (its size with `T = u8` is WIDTH bytes, so there is no other field and no
                // padding), so it has the layout of `[T; WIDTH]`.
                unsafe { &*(self.as_ptr() as *const $cols<T>) }
            }
        }

        impl<T> ::std::borrow::BorrowMut<$cols<T>> for [T] {
            fn borrow_mut(&mut self) -> &mut $cols<T> {
                assert_eq!(self.len(), $cols::<T>::WIDTH, "row width");
                // SAFETY: as for `Borrow`.
                unsafe { &mut *(self.as_mut_ptr() as *mut $cols<T>) }
            }
        }
    };
}
