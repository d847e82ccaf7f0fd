// PDQ from decoded pixels, nothing else: one revision's PDQ module (built by pdq-speed.sh), a
// binary PPM read once, hashed ITERATIONS times; prints the median and the hash.
// Usage: bench LABEL FILE.ppm ITERATIONS
import Foundation
import PDQ

let arguments = CommandLine.arguments
guard arguments.count == 4, let iterations = Int(arguments[3]), iterations > 0 else {
    FileHandle.standardError.write(Data("usage: bench LABEL FILE.ppm ITERATIONS\n".utf8))
    exit(2)
}
let data = try Data(contentsOf: URL(fileURLWithPath: arguments[2]))
// "P6" WIDTH HEIGHT 255, whitespace-separated, then the RGB bytes.
var fields: [String] = []
var offset = 0
var field = ""
while fields.count < 4, offset < data.count {
    let byte = data[offset]
    offset += 1
    if [0x20, 0x0A, 0x09, 0x0D].contains(byte) {
        if !field.isEmpty { fields.append(field); field = "" }
    } else {
        field.append(Character(UnicodeScalar(byte)))
    }
}
guard fields.count == 4, fields[0] == "P6", let width = Int(fields[1]), let height = Int(fields[2]), fields[3] == "255",
      data.count >= offset + width * height * 3 else {
    FileHandle.standardError.write(Data("\(arguments[2]): not a binary 8-bit PPM\n".utf8))
    exit(2)
}
let pixels = [UInt8](data[offset..<(offset + width * height * 3)])
let hasher = PDQHasher()
var milliseconds: [Double] = []
var last = PDQResult(hash: .zero, quality: 0)
pixels.withUnsafeBufferPointer { buffer in
    let view = PixelView(bytes: buffer, width: width, height: height, layout: .rgb)
    for _ in 0..<iterations {
        let start = ContinuousClock.now
        last = hasher.hash(view)
        let elapsed = ContinuousClock.now - start
        milliseconds.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
    }
}
milliseconds.sort()
print(String(format: "%-10@ %dx%d  p50 %.3f ms  min %.3f ms  pdq %@ quality %d", arguments[1] as NSString, width, height,
             milliseconds[milliseconds.count / 2], milliseconds[0], last.hash.description as NSString, last.quality))
