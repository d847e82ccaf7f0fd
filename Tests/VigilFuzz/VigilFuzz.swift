import Foundation
import FuzzTargets

// The parsers' fuzz targets as one program (issue 32 §4), in two builds:
// - `make fuzz` builds it with `-sanitize=fuzzer -DVIGIL_LIBFUZZER`: libFuzzer's coverage-guided
//   loop, the target named by VIGIL_FUZZ_TARGET (libFuzzer owns the arguments), seeded with the
//   committed corpus `Tests/Fuzz/<target>/` (scripts/fuzz.sh runs each);
// - the ordinary build (`swift build`) replays files: `vigil-fuzz TARGET FILE|DIR...` runs the
//   target's body on each, to reproduce a finding without the instrumented build.
// The bodies are FuzzTargets', which the suite's seeded harness runs too.

#if VIGIL_LIBFUZZER
/// The target this process fuzzes.
let selected: FuzzTargets.Body = {
    guard let name = ProcessInfo.processInfo.environment["VIGIL_FUZZ_TARGET"], let body = FuzzTargets.all[name] else {
        fatalError("VIGIL_FUZZ_TARGET must name one of \(FuzzTargets.all.keys.sorted())")
    }
    return body
}()

/// libFuzzer's entry: one input, run to its end (a refusal is an answer; a crash is a finding).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    // libFuzzer's thread is not the concurrency pool's: waiting on it blocks no task.
    let done = DispatchSemaphore(value: 0)
    Task {
        do { try await selected(bytes) } catch {}
        done.signal()
    }
    done.wait()
    return 0
}
#else
@main struct VigilFuzz {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let target = arguments.first, let body = FuzzTargets.all[target], arguments.count > 1 else {
            let names = FuzzTargets.all.keys.sorted().joined(separator: " ")
            FileHandle.standardError.write(Data("usage: vigil-fuzz TARGET FILE|DIR...\n  targets: \(names)\n".utf8))
            exit(2)
        }
        var files: [URL] = []
        for path in arguments.dropFirst() {
            let url = URL(fileURLWithPath: path)
            if let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
                files += names.filter { !$0.hasPrefix(".") }.sorted().map { url.appendingPathComponent($0) }
            } else {
                files.append(url)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                FileHandle.standardError.write(Data("vigil-fuzz: cannot read \(file.path)\n".utf8))
                exit(1)
            }
            do {
                try await body(Array(data))
                print("\(file.lastPathComponent): read")
            } catch {
                print("\(file.lastPathComponent): refused: \(String(describing: error).prefix(200))")
            }
        }
    }
}
#endif
