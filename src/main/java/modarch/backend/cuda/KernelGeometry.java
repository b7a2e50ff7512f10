package modarch.backend.cuda;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The launch geometry the kernels and their Java launches share, declared once, here: block sizes, tiles, blocks per
 * item and the largest shapes a kernel's shared memory holds. kernels/launch.h is generated from this class
 * ({@link #header}) and included by the .cu files; KernelGeometryTest fails when the two differ or when a .cu file
 * defines one of these names itself.
 */
public final class KernelGeometry {
    /** Threads per block of the 1-D (grid-stride) and warp-per-item kernels (elementwise.cu, softmax.cu, ...). */
    public static final int BLOCK_THREADS = 256;
    /** gemm.cu: threads per block, and the square tile of C per block of gemm_tiled, gemm_medium and gemm_small. */
    public static final int GEMM_THREADS = 256;
    public static final int GEMM_TILE = 128;
    public static final int GEMM_MEDIUM_TILE = 64;
    public static final int GEMM_SMALL_TILE = 32;
    /** gemm_tc.cu: threads per block (four warps, each 32 x 32 of C) and the square tile of C per block. */
    public static final int GEMM_TC_THREADS = 128;
    public static final int GEMM_TC_TILE = 64;
    /** loss.cu: threads per block (one block per item). */
    public static final int LOSS_THREADS = 256;
    /** adam.cu: the gradient-norm kernels' blocks per item and threads per block. */
    public static final int CLIP_BLOCKS = 64;
    public static final int CLIP_THREADS = 256;
    /** attention.cu: warps per block at most; the longest sequence (a warp's scores sit in shared memory). */
    public static final int ATTN_WARPS = 8;
    public static final int ATTN_MAX_LENGTH = 256;
    /**
     * lstm_cell.cu: warps per block at most; the most modules (a row's scores sit in shared memory); the sequences a
     * block of the window kernels takes (it reads each recurrent weight once for them all).
     */
    public static final int LSTM_WARPS = 8;
    public static final int LSTM_MAX_MODULES = 64;
    public static final int LSTM_WINDOW_SEQUENCES = 4;
    /** router_reg.cu: warps per block; the most modules (a replica's f and log P sit in shared memory). */
    public static final int ROUTER_WARPS = 16;
    public static final int ROUTER_MAX_MODULES = 64;
    /** slot_dispatch.cu: threads per block; top-k's warps per block and most modules; the segmented products' tile. */
    public static final int SLOT_THREADS = 256;
    public static final int TOPK_WARPS = SLOT_THREADS / 32;
    public static final int TOPK_MAX_MODULES = 64;
    public static final int SEG_TILE = 64;
    /** mha_task.cu: threads (sequences) per block. */
    public static final int MHA_TASK_THREADS = 64;
    /**
     * module_mlp.cu: threads per block; the rows a block takes (it reads each weight once for them all); the widest
     * row of x, hidden units or outputs, and the most modules (a block's rows of each sit in shared memory).
     */
    public static final int MODULE_MLP_THREADS = 256;
    public static final int MODULE_MLP_ROWS = 8;
    public static final int MODULE_MLP_MAX_WIDTH = 512;
    public static final int MODULE_MLP_MAX_MODULES = 64;

    private KernelGeometry() {
    }

    /** Every constant by name, in declaration order. */
    static Map<String, Integer> constants() {
        Map<String, Integer> out = new LinkedHashMap<>();
        out.put("BLOCK_THREADS", BLOCK_THREADS);
        out.put("GEMM_THREADS", GEMM_THREADS);
        out.put("GEMM_TILE", GEMM_TILE);
        out.put("GEMM_MEDIUM_TILE", GEMM_MEDIUM_TILE);
        out.put("GEMM_SMALL_TILE", GEMM_SMALL_TILE);
        out.put("GEMM_TC_THREADS", GEMM_TC_THREADS);
        out.put("GEMM_TC_TILE", GEMM_TC_TILE);
        out.put("LOSS_THREADS", LOSS_THREADS);
        out.put("CLIP_BLOCKS", CLIP_BLOCKS);
        out.put("CLIP_THREADS", CLIP_THREADS);
        out.put("ATTN_WARPS", ATTN_WARPS);
        out.put("ATTN_MAX_LENGTH", ATTN_MAX_LENGTH);
        out.put("LSTM_WARPS", LSTM_WARPS);
        out.put("LSTM_MAX_MODULES", LSTM_MAX_MODULES);
        out.put("LSTM_WINDOW_SEQUENCES", LSTM_WINDOW_SEQUENCES);
        out.put("ROUTER_WARPS", ROUTER_WARPS);
        out.put("ROUTER_MAX_MODULES", ROUTER_MAX_MODULES);
        out.put("SLOT_THREADS", SLOT_THREADS);
        out.put("TOPK_WARPS", TOPK_WARPS);
        out.put("TOPK_MAX_MODULES", TOPK_MAX_MODULES);
        out.put("SEG_TILE", SEG_TILE);
        out.put("MHA_TASK_THREADS", MHA_TASK_THREADS);
        out.put("MODULE_MLP_THREADS", MODULE_MLP_THREADS);
        out.put("MODULE_MLP_ROWS", MODULE_MLP_ROWS);
        out.put("MODULE_MLP_MAX_WIDTH", MODULE_MLP_MAX_WIDTH);
        out.put("MODULE_MLP_MAX_MODULES", MODULE_MLP_MAX_MODULES);
        return out;
    }

    /** The text of kernels/launch.h. */
    static String header() {
        StringBuilder out = new StringBuilder()
                .append("// Generated from src/main/java/modarch/backend/cuda/KernelGeometry.java: edit that file, then\n")
                .append("// mvn -o test -Dtest=KernelGeometryTest -Dmodarch.writeLaunchHeader=true\n")
                .append("#pragma once\n");
        constants().forEach((name, value) -> out.append("#define ").append(name).append(' ').append(value)
                .append('\n'));
        return out.toString();
    }
}
