package modarch.backend.cuda.emu;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JavaCPP binding of native/emu/emu_api.h (libmodarch_emu.so, built from kernels/*.cu by native/emu/build.sh).
 * Device pointers are plain longs, as CUdeviceptr. The build bundles both native libraries on the class path, where
 * {@link Loader#load()} finds them.
 */
@Platform(include = "emu_api.h", link = "modarch_emu")
final class EmuNative {
    static {
        Loader.load();
    }

    private EmuNative() {
    }

    /** params: the address of a void*[] whose i-th entry points to the i-th argument value; 0 = ok. */
    static native int emu_launch(String name, int gx, int gy, int gz, int bx, int by, int bz, int sharedBytes,
                                 @Cast("void**") long params);

    static native String emu_last_error();

    /** e.g. "ppiii"; null for an unknown kernel. */
    static native String emu_kernel_signature(String name);

    static native void emu_set_schedule(int reverse);

    /** 0 = the number of cores. */
    static native void emu_set_workers(int workers);

    static native int emu_workers();

    static native @Cast("uintptr_t") long emu_malloc(@Cast("size_t") long bytes);

    static native void emu_free(@Cast("void*") long pointer);

    static native void emu_memcpy(@Cast("void*") long dst, @Cast("const void*") long src, @Cast("size_t") long bytes);

    static native void emu_memcpy(@Cast("void*") long dst, @Cast("const void*") float[] src,
                                  @Cast("size_t") long bytes);

    static native void emu_memcpy(@Cast("void*") long dst, @Cast("const void*") int[] src,
                                  @Cast("size_t") long bytes);

    static native void emu_memcpy(@Cast("void*") float[] dst, @Cast("const void*") long src,
                                  @Cast("size_t") long bytes);

    static native void emu_memcpy(@Cast("void*") int[] dst, @Cast("const void*") long src,
                                  @Cast("size_t") long bytes);

    static native void emu_memcpy(@Cast("void*") byte[] dst, @Cast("const void*") long src,
                                  @Cast("size_t") long bytes);

    static native void emu_fill32(@Cast("void*") long dst, @Cast("uint32_t") int value, @Cast("size_t") long n);
}
