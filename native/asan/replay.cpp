// Replays a launch trace of the emulated CUDA device (written by modarch.backend.cuda.emu.LaunchTrace; the
// format is in its javadoc) with every allocation of exactly its recorded size, from plain malloc: built with
// -fsanitize=address, any out-of-bounds access of a kernel stops the replay with a report naming the .cu line.
// usage: replay TRACE        exit 0: replayed; 1: a launch failed or the trace is malformed; ASan's code otherwise
#include "emu_api.h"
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {
std::map<long, char*> allocations;   // id -> memory of exactly the recorded size

[[noreturn]] void die(long line, const std::string& why) {
    fprintf(stderr, "replay: line %ld: %s\n", line, why.c_str());
    exit(1);
}

char* at(long line, long id, long offset) {
    auto it = allocations.find(id);
    if (it == allocations.end()) die(line, "no live allocation " + std::to_string(id));
    return it->second + offset;
}

std::vector<unsigned char> unhex(const std::string& hex) {
    std::vector<unsigned char> bytes(hex.size() / 2);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = (unsigned char)std::stoul(hex.substr(2 * i, 2), nullptr, 16);
    return bytes;
}

void launch(long line, std::istringstream& in) {
    std::string kernel, signature;
    unsigned g[3], b[3], shared;
    in >> kernel >> g[0] >> g[1] >> g[2] >> b[0] >> b[1] >> b[2] >> shared >> signature;
    if (signature == "-") signature.clear();
    std::vector<uint64_t> slots(signature.size());   // one 8-byte slot per argument, as the Java driver passes them
    std::vector<void*> params(signature.size());
    for (size_t i = 0; i < signature.size(); ++i) {
        std::string arg;
        in >> arg;
        if (arg.empty() || arg[0] != signature[i]) die(line, "argument " + std::to_string(i) + " is not a " + signature[i]);
        const std::string v = arg.substr(1);
        switch (arg[0]) {
            case 'p':
                if (v == "-") slots[i] = 0;
                else {
                    const size_t plus = v.find('+');
                    slots[i] = (uint64_t)(uintptr_t)at(line, std::stol(v.substr(0, plus)), std::stol(v.substr(plus + 1)));
                }
                break;
            case 'i': slots[i] = (uint32_t)std::stoi(v); break;
            case 'l': slots[i] = (uint64_t)std::stoll(v); break;
            case 'f': slots[i] = (uint32_t)std::stoul(v, nullptr, 16); break;
            case 'd': slots[i] = std::stoull(v, nullptr, 16); break;
            default: die(line, "unknown argument kind " + arg);
        }
        params[i] = &slots[i];
    }
    const char* expected = emu_kernel_signature(kernel.c_str());
    if (expected && signature != expected)
        die(line, kernel + " takes (" + expected + "), the trace gives (" + signature + ")");
    if (emu_launch(kernel.c_str(), g[0], g[1], g[2], b[0], b[1], b[2], shared, params.data()) != 0)
        die(line, emu_last_error());
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) { fprintf(stderr, "usage: replay TRACE\n"); return 2; }
    std::ifstream file(argv[1]);
    if (!file) { fprintf(stderr, "replay: cannot read %s\n", argv[1]); return 2; }
    std::string text;
    long line = 0, launches = 0;
    if (!std::getline(file, text) || text != "modarch-emu-trace 1") die(1, "not a modarch-emu-trace 1 file");
    for (line = 2; std::getline(file, text); ++line) {
        std::istringstream in(text);
        std::string what;
        in >> what;
        if (what == "alloc") {
            long id, bytes;
            in >> id >> bytes;
            allocations[id] = (char*)malloc(bytes);
        } else if (what == "free") {
            long id;
            in >> id;
            free(at(line, id, 0));
            allocations.erase(id);
        } else if (what == "copy") {
            long id, offset;
            std::string hex;
            in >> id >> offset >> hex;
            const auto bytes = unhex(hex == "-" ? "" : hex);
            memcpy(at(line, id, offset), bytes.data(), bytes.size());   // ASan checks the copy's bounds too
        } else if (what == "fill") {
            long id, offset, n;
            int32_t value;
            in >> id >> offset >> value >> n;
            emu_fill32(at(line, id, offset), (uint32_t)value, (size_t)n);
        } else if (what == "launch") {
            launch(line, in);
            ++launches;
        } else if (!what.empty()) {
            die(line, "unknown record " + what);
        }
        if (in.fail()) die(line, "malformed record");
    }
    printf("replay: %ld launches of %s ran clean\n", launches, argv[1]);
    return 0;
}
