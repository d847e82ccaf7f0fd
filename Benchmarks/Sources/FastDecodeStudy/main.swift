import BenchmarkInputs
import ContentHashing
import Foundation
import ImageCodecs
import ImageSignals

// How far TurboJPEG's DCT scaling (1/2, 1/4, 1/8, short side kept ≥ 512) moves PDQ hashes from the
// exact full-resolution ones, and how much time it saves, over every reference and wallpaper photo.
let files = BenchmarkInputs.referenceJPEGs + BenchmarkInputs.wallpapers
let hasher = ContentHasher()
var worst = 0
var exactTotal = Duration.zero, fastTotal = Duration.zero
let clock = ContinuousClock()

func time(_ body: () throws -> ContentSignals) rethrows -> (ContentSignals, Duration) {
    var best = Duration.seconds(1000)
    var result: ContentSignals?
    for _ in 0..<5 {
        let start = clock.now
        result = try body()
        best = min(best, clock.now - start)
    }
    return (result!, best)
}

print("| file | size | decoded at | distance | exact ms | fast ms | speed-up |")
print("|---|---|---|---|---|---|---|")
for url in files {
    let bytes = BenchmarkInputs.bytes(url)
    guard let (exact, exactTime) = try? time({ try hasher.signals(of: bytes) }),
          let (fast, fastTime) = try? time({ try hasher.signals(of: bytes, decodeOptions: .fast) }) else { continue }
    let decoded = try ImageDecoder().decode(bytes, options: .fast)
    let distance = exact.pdq.distance(to: fast.pdq)
    worst = max(worst, distance)
    exactTotal += exactTime
    fastTotal += fastTime
    let ms = { (d: Duration) in String(format: "%.2f", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000) }
    let ratio = Double((exactTime / fastTime))
    print("| \(url.lastPathComponent) | \(exact.width)x\(exact.height) | \(decoded.width)x\(decoded.height) | \(distance) | \(ms(exactTime)) | \(ms(fastTime)) | \(String(format: "%.2f", ratio))x |")
}
print("")
print("files: \(files.count), largest distance: \(worst), total exact/fast time ratio: \(String(format: "%.2f", exactTotal / fastTotal))x")
