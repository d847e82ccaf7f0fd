import PDQ
import Testing

/// The hex form is how every list, API and export carries a hash: it must parse exactly the
/// 64-digit forms (either case) and print what it parsed.
@Suite struct PDQHashHexTests {
    static let sample = "f8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22"

    @Test func hexRoundTripsAndUppercaseParses() throws {
        let hash = try #require(PDQHash(hex: Self.sample))
        #expect(hash.hex == Self.sample)
        #expect(PDQHash(hex: Self.sample.uppercased()) == hash)
        // The most significant digit is the top nibble of word 3, the last one the low nibble of word 0.
        #expect(hash.w3 >> 60 == 0xF)
        #expect(hash.w0 & 0xF == 0x2)
        #expect(PDQHash.zero.hex == String(repeating: "0", count: 64))
    }

    @Test(arguments: ["g", "G", ":", "/", "@", "`", " ", "\u{0}", "é"])
    func aSingleNonHexCharacterIsRefused(_ bad: String) {
        // In each of the four words, and at a word's first and last digit.
        for position in [0, 15, 16, 31, 40, 63] {
            var characters = Array(Self.sample)
            characters[position] = Character(bad)
            #expect(PDQHash(hex: String(characters)) == nil, "\(bad) at \(position)")
        }
    }

    @Test func anythingButSixtyFourDigitsIsRefused() {
        #expect(PDQHash(hex: String(Self.sample.dropLast())) == nil)
        #expect(PDQHash(hex: Self.sample + "0") == nil)
        #expect(PDQHash(hex: "") == nil)
    }

    @Test func writeHexFillsABufferAsHexDoes() throws {
        let hash = try #require(PDQHash(hex: Self.sample))
        var bytes = [UInt8](repeating: 0, count: 64)
        bytes.withUnsafeMutableBufferPointer { hash.writeHex(into: $0) }
        #expect(String(decoding: bytes, as: UTF8.self) == Self.sample)
    }
}
