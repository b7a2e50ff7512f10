// Generated from src/main/java/modarch/backend/cuda/KernelGeometry.java: edit that file, then
// mvn -o test -Dtest=KernelGeometryTest -Dmodarch.writeLaunchHeader=true
#pragma once
#define BLOCK_THREADS 256
#define GEMM_THREADS 256
#define GEMM_TILE 128
#define GEMM_MEDIUM_TILE 64
#define GEMM_SMALL_TILE 32
#define GEMM_TC_THREADS 128
#define GEMM_TC_TILE 64
#define LOSS_THREADS 256
#define CLIP_BLOCKS 64
#define CLIP_THREADS 256
#define ATTN_WARPS 8
#define ATTN_MAX_LENGTH 256
#define LSTM_WARPS 8
#define LSTM_MAX_MODULES 64
#define LSTM_WINDOW_SEQUENCES 4
#define ROUTER_WARPS 16
#define ROUTER_MAX_MODULES 64
#define SLOT_THREADS 256
#define TOPK_WARPS 8
#define TOPK_MAX_MODULES 64
#define SEG_TILE 64
#define MHA_TASK_THREADS 64
#define MODULE_MLP_THREADS 256
#define MODULE_MLP_ROWS 8
#define MODULE_MLP_MAX_WIDTH 512
#define MODULE_MLP_MAX_MODULES 64
