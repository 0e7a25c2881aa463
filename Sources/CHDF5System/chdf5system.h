// libhdf5 as a system library. Only the CHDF5 shim's C files include it; its include folder
// (Debian's serial one, /usr/include/hdf5/serial) and link flags come from pkg-config `hdf5`.
#include <hdf5.h>
