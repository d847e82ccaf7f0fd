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

    /// Every ASCII byte in every word: the sixteen digits of either case parse to their value,
    /// every other byte is refused (bytes of 0x80 and up: the next test).
    @Test func everyByteParsesToItsDigitOrIsRefused() {
        let digits = Array("0123456789abcdef".utf8)
        for byte in UInt8(0)..<0x80 {
            let expected = digits.firstIndex(of: byte) ?? digits.firstIndex(of: byte | 0x20).flatMap { byte >= 0x41 && byte <= 0x46 ? $0 : nil }
            for position in [0, 17, 38, 63] {
                var bytes = Array(Self.sample.utf8)
                bytes[position] = byte
                let parsed = bytes.withUnsafeBufferPointer { buffer in
                    String(validating: buffer, as: UTF8.self).flatMap { PDQHash(hex: $0) }
                }
                guard let expected else {
                    #expect(parsed == nil, "byte \(byte) at \(position)")
                    continue
                }
                let word = parsed?.word(3 - position / 16)
                #expect(word.map { Int($0 >> UInt64(60 - 4 * (position % 16)) & 0xF) } == expected, "byte \(byte) at \(position)")
            }
        }
    }

    /// Bytes of 0x80 and above only come as parts of characters: a two-, three- or four-byte one in
    /// place of as many digits keeps the length at 64 bytes and is refused.
    @Test(arguments: ["é", "€", "😀", "\u{80}", "\u{7FF}", "\u{FFFF}", "\u{10FFFF}"])
    func aMultiByteCharacterInPlaceOfDigitsIsRefused(_ character: String) {
        let width = character.utf8.count
        for position in [0, 15, 30, 64 - width] {
            var bytes = Array(Self.sample.utf8)
            bytes.replaceSubrange(position..<(position + width), with: character.utf8)
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.utf8.count == 64)
            #expect(PDQHash(hex: text) == nil, "\(character) at \(position)")
        }
    }

    @Test func aDigitsSubstringParsesInPlace() throws {
        let line = "id," + Self.sample + ",90"
        let field = try #require(line.split(separator: ",").dropFirst().first)
        #expect(PDQHash(hex: field) == PDQHash(hex: Self.sample))
        #expect(PDQHash(hex: field.dropLast()) == nil)
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
