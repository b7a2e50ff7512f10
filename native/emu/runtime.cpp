// Runtime of the emulated CUDA device: kernel registry, fiber scheduler, the C API of emu_api.h.
#include "cuda_emu.h"
#include "emu_api.h"
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// Fiber switch: a few instructions of asm on x86-64 (swapcontext makes a syscall per switch, ~350 ns);
// ucontext elsewhere, or with -DEMU_UCONTEXT (the AddressSanitizer build: ASan knows swapcontext).
#if defined(__x86_64__) && !defined(EMU_UCONTEXT)
extern "C" void emu_ctx_switch(void** save_sp, void* load_sp);
asm(".text\n.globl emu_ctx_switch\n.hidden emu_ctx_switch\n.type emu_ctx_switch,@function\nemu_ctx_switch:\n"
    " pushq %rbp\n pushq %rbx\n pushq %r12\n pushq %r13\n pushq %r14\n pushq %r15\n"
    " subq $8,%rsp\n stmxcsr (%rsp)\n fnstcw 4(%rsp)\n movq %rsp,(%rdi)\n movq %rsi,%rsp\n"
    " ldmxcsr (%rsp)\n fldcw 4(%rsp)\n addq $8,%rsp\n"
    " popq %r15\n popq %r14\n popq %r13\n popq %r12\n popq %rbx\n popq %rbp\n ret\n"
    ".size emu_ctx_switch,.-emu_ctx_switch\n");
struct Ctx { void* sp; };
static void ctx_init(Ctx& c, char* stack, size_t size, void (*fn)()) {
    auto* top = (uint64_t*)((uintptr_t)(stack + size) & ~(uintptr_t)15);
    top[-1] = 0;                                  // fake return address of fn
    top[-2] = (uint64_t)fn;                       // the ret of emu_ctx_switch jumps to fn
    for (int i = 3; i <= 8; ++i) top[-i] = 0;     // rbp rbx r12 r13 r14 r15
    top[-9] = 0x1F80 | (uint64_t)0x037F << 32;    // default mxcsr, x87 control word
    c.sp = top - 9;
}
static inline void ctx_switch(Ctx& from, Ctx& to) { emu_ctx_switch(&from.sp, to.sp); }
#else
struct Ctx { ucontext_t uc; };
static void ctx_init(Ctx& c, char* stack, size_t size, void (*fn)()) {
    getcontext(&c.uc);
    c.uc.uc_stack.ss_sp = stack;
    c.uc.uc_stack.ss_size = size;
    c.uc.uc_link = nullptr;
    makecontext(&c.uc, fn, 0);
}
static inline void ctx_switch(Ctx& from, Ctx& to) { swapcontext(&from.uc, &to.uc); }
#endif

namespace emu {
thread_local Block* blk = nullptr;

namespace {
struct Kernel { Thunk fn; const char* signature; };
std::map<std::string, Kernel>& registry() { static std::map<std::string, Kernel> m; return m; }
thread_local std::string last_error;
std::atomic<int> reverse_schedule{0};
std::atomic<int> worker_setting{0};
const size_t kPage = (size_t)sysconf(_SC_PAGESIZE);
const size_t kStack = 64 * 1024;                  // per fiber, below a guard page

int fail(const std::string& message) { last_error = message; return 1; }

struct Worker {                                   // one per worker thread of a launch; runs one block at a time
    Ctx scheduler{};
    std::vector<Ctx> ctx;                         // [threads per block]
    std::vector<Thread> threads;                  // [threads per block]
    std::vector<Warp> warps;                      // [ceil(threads / 32)]
    Block block{};
    char* stacks = nullptr;
    size_t stacks_len = 0;
    Thunk fn = nullptr;
    void** params = nullptr;
    int live = 0, stall = 0;
    bool deadlock = false, reverse = false;
};

// Fiber stacks, each below a guard page, outlive launches: mapping and protecting them again for every launch
// cost milliseconds (a syscall per guard page, then page faults). A launch's workers take stacks for its block
// size from here and give them back when the launch ends.
std::mutex stacks_mu;
std::vector<std::pair<char*, size_t>> free_stacks;  // (base, length) of idle stack arenas

std::pair<char*, size_t> take_stacks(unsigned n) {
    const size_t len = n * (kStack + kPage);
    {
        std::lock_guard<std::mutex> lock(stacks_mu);
        for (size_t i = 0; i < free_stacks.size(); ++i) {
            if (free_stacks[i].second == len) {
                auto arena = free_stacks[i];
                free_stacks.erase(free_stacks.begin() + (long)i);
                return arena;
            }
        }
    }
    char* base = (char*)mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    for (unsigned i = 0; i < n; ++i) mprotect(base + i * (kStack + kPage), kPage, PROT_NONE);  // guard pages
    return {base, len};
}

void give_back_stacks(std::pair<char*, size_t> arena) {
    std::lock_guard<std::mutex> lock(stacks_mu);
    free_stacks.push_back(arena);
}
thread_local Worker* W = nullptr;

void open(Barrier& b) { b.count = 0; ++b.gen; W->stall = 0; }
void leave(Barrier& b) { --b.expected; if (b.count > 0 && b.count >= b.expected) open(b); }  // exited = arrived

[[noreturn]] void fiber_main() {
    Worker* w = W;
    w->fn(w->params);
    Thread* t = w->block.cur;
    t->done = true;
    w->stall = 0;
    leave(w->block.bar);
    leave(w->warps[t->warp].bar);
    ctx_switch(w->ctx[t - w->threads.data()], w->scheduler);   // never resumed
    __builtin_unreachable();
}

// Runs one block to its end; the error, or nullptr.
const char* run_block(Worker& w, uint3 id, unsigned n) {
    Block& B = w.block;
    B.idx = id;
    B.bar = {(int)n, 0, 0};
    B.warps = w.warps.data();
    for (unsigned i = 0; i < (n + 31) / 32; ++i) {
        w.warps[i].size = (int)std::min(32u, n - 32 * i);
        w.warps[i].bar = {w.warps[i].size, 0, 0};
    }
    for (unsigned i = 0; i < n; ++i) {
        w.threads[i] = {{i % B.dim.x, i / B.dim.x % B.dim.y, i / (B.dim.x * B.dim.y)}, i & 31, i >> 5, 0, false};
        ctx_init(w.ctx[i], w.stacks + i * (kStack + kPage) + kPage, kStack, fiber_main);
    }
    w.live = (int)n;
    w.stall = 0;
    w.deadlock = false;
    while (w.live > 0)
        for (unsigned j = 0; j < n; ++j) {
            const unsigned i = w.reverse ? n - 1 - j : j;
            if (w.threads[i].done) continue;
            B.cur = &w.threads[i];
            ctx_switch(w.scheduler, w.ctx[i]);
            if (w.deadlock)
                return "deadlock: a __syncthreads, __syncwarp or __shfl_*_sync is not reached by every live "
                       "thread of its block or warp";
            if (w.threads[i].done) --w.live;
        }
    return nullptr;
}

unsigned worker_count() {
    const int n = worker_setting.load();
    return n > 0 ? (unsigned)n : std::max(1u, std::thread::hardware_concurrency());
}
}  // namespace

void register_kernel(const char* name, Thunk thunk, const char* signature) { registry()[name] = {thunk, signature}; }

void wait(Barrier& b) {
    Worker* w = W;
    const unsigned gen = b.gen;
    if (++b.count >= b.expected) { open(b); return; }
    while (b.gen == gen) {
        if (++w->stall > 2 * w->live + 2) w->deadlock = true;   // a whole round of waits opened nothing
        ctx_switch(w->ctx[w->block.cur - w->threads.data()], w->scheduler);
    }
}
}  // namespace emu

using namespace emu;

extern "C" {
const char* emu_last_error(void) { return last_error.c_str(); }

const char* emu_kernel_signature(const char* name) {
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : it->second.signature;
}

void emu_set_schedule(int reverse) { reverse_schedule = reverse != 0; }
void emu_set_workers(int workers) { worker_setting = std::max(0, workers); }
int emu_workers(void) { return (int)worker_count(); }

void* emu_malloc(size_t bytes) { return aligned_alloc(256, (bytes / 256 + 1) * 256); }
void emu_free(void* p) { free(p); }
void emu_memcpy(void* dst, const void* src, size_t bytes) { memcpy(dst, src, bytes); }
void emu_fill32(void* dst, uint32_t value, size_t n) { std::fill_n((uint32_t*)dst, n, value); }

int emu_launch(const char* name, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
               unsigned shared_bytes, void** params) {
    auto it = registry().find(name);
    if (it == registry().end()) return fail(std::string("no kernel named ") + name);
    const uint64_t n = (uint64_t)bx * by * bz, blocks = (uint64_t)gx * gy * gz;
    if (n == 0 || n > 1024 || blocks == 0)
        return fail(std::string(name) + ": invalid launch: block " + std::to_string(bx) + "x" + std::to_string(by)
                    + "x" + std::to_string(bz) + " (1 to 1024 threads), grid " + std::to_string(gx) + "x"
                    + std::to_string(gy) + "x" + std::to_string(gz));
    if (shared_bytes > EMU_MAX_DYN_SMEM)
        return fail(std::string(name) + ": " + std::to_string(shared_bytes) + " bytes of dynamic shared memory, above "
                    + std::to_string(EMU_MAX_DYN_SMEM));
    const unsigned workers = (unsigned)std::min<uint64_t>(blocks, worker_count());
    const bool reverse = reverse_schedule.load();
    std::atomic<uint64_t> next{0};
    std::mutex mu;
    std::string error;
    auto work = [&] {
        Worker w;
        W = &w;
        w.fn = it->second.fn;
        w.params = params;
        w.reverse = reverse;
        w.block.dim = dim3(bx, by, bz);
        w.block.grid = dim3(gx, gy, gz);
        w.ctx.resize(n);
        w.threads.resize(n);
        w.warps.resize((n + 31) / 32);
        const auto arena = take_stacks((unsigned)n);
        w.stacks = arena.first;
        w.stacks_len = arena.second;
        blk = &w.block;
        for (uint64_t b; (b = next++) < blocks;) {
            if (const char* e = run_block(w, {(unsigned)(b % gx), (unsigned)(b / gx % gy), (unsigned)(b / gx / gy)},
                                          (unsigned)n)) {
                std::lock_guard<std::mutex> lock(mu);
                error = e;
                next = blocks;
                break;
            }
        }
        blk = nullptr;
        W = nullptr;
        give_back_stacks(arena);
    };
    std::vector<std::thread> pool;   // blocks never run on the caller's (JVM) thread: fibers need their own stacks
    for (unsigned i = 0; i < workers; ++i) pool.emplace_back(work);
    for (auto& t : pool) t.join();
    if (!error.empty()) return fail(std::string(name) + ": " + error);
    last_error.clear();
    return 0;
}
}
