import Foundation
import PDQ
import Testing
import VigilTestSupport

/// `vigil hash` as a script sees it: its standard output, standard error and exit status.
@Suite struct HashCommandTests {
    static let bridge = ReferenceData.url("reg-test-input/dih/bridge-1-original.jpg").path

    @Test func printsTheReferenceLineForBridge() async throws {
        let result = try await VigilProcess.run(["hash", Self.bridge])
        #expect(result.status == 0)
        #expect(result.lines == ["f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,100,\(Self.bridge)"])
    }

    @Test func referenceCLIPipelinePrintsTheCLIHash() async throws {
        let expected = try ReferenceData.expected(file: "reg-test-input/dih/bridge-1-original.jpg")
        let result = try await VigilProcess.run(["hash", "--pipeline", "reference-cli", Self.bridge])
        #expect(result.lines == ["\(expected.pdqCLI.hex),\(expected.qualityCLI),\(Self.bridge)"])
    }

    @Test func dihedralPrintsEightLinesInReferenceOrder() async throws {
        let rows = try ReferenceData.dihedral()
        let result = try await VigilProcess.run(["hash", "--dihedral", Self.bridge])
        #expect(result.lines == rows.map { "\($0.fullres.hex),100,\(Self.bridge)" })
    }

    @Test func jsonLinesCarryEverySignalAndFailuresDoNotStopTheRest() async throws {
        let dir = try TemporaryDirectory()
        let notImage = try dir.file("notes.txt", Array("hello".utf8)).path
        let result = try await VigilProcess.run(["hash", "--format", "json", notImage, Self.bridge, "/no/such/file.jpg"])
        #expect(result.status == 1)
        let objects = try result.lines.map(JSONObject.parse)
        #expect(objects.count == 3)
        #expect(objects[0]["path"] as? String == notImage)
        #expect((objects[0]["error"] as? String)?.contains("not a supported image format") == true)
        let bridge = objects[1]
        #expect(bridge["pdq"] as? String == "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
        #expect(bridge["quality"] as? Int == 100)
        #expect(bridge["width"] as? Int == 1600 && bridge["height"] as? Int == 1004)
        #expect(bridge["format"] as? String == "jpeg")
        #expect((bridge["md5"] as? String)?.count == 32 && (bridge["sha256"] as? String)?.count == 64)
        #expect((objects[2]["error"] as? String)?.contains("no such file") == true)
    }

    @Test func readsStandardInput() async throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.bridge))
        let result = try await VigilProcess.run(["hash", "-"], stdin: bytes)
        #expect(result.lines == ["f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,100,-"])
    }

    @Test func textModeReportsFailuresOnStandardError() async throws {
        let dir = try TemporaryDirectory()
        let video = try dir.file("clip.mp4", [0, 0, 0, 0x18] + Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("isomiso2mp41".utf8) + [UInt8](repeating: 0, count: 40)).path
        let result = try await VigilProcess.run(["hash", video, Self.bridge])
        #expect(result.status == 1)
        #expect(result.lines.count == 1)
        #expect(result.stderr.contains("\(video): this is a video (MP4); only still images are supported"))
    }

    @Test func tinyImagesSaySo() async throws {
        let dir = try TemporaryDirectory()
        let tiny = try dir.file("tiny.png", ImageMagick.encode(ReferenceData.url("misc-images/wee.jpg"), to: "png:", options: ["-resize", "3x3!"])).path
        let result = try await VigilProcess.run(["hash", "--format", "json", tiny])
        #expect(result.status == 0)
        let object = try JSONObject.parse(result.stdout)
        #expect(object["pdq"] as? String == String(repeating: "0", count: 64))
        #expect(object["quality"] as? Int == 0)
        #expect((object["note"] as? String)?.contains("under PDQ's 5×5 minimum") == true)
        let text = try await VigilProcess.run(["hash", tiny])
        #expect(text.stderr.contains("under PDQ's 5×5 minimum"))
    }

    @Test func fastDecodeStaysWithinEightBitsOfTheExactHash() async throws {
        let dir = try TemporaryDirectory()
        let large = try dir.file("large.jpg", ImageMagick.encode(URL(fileURLWithPath: Self.bridge), to: "jpeg:", options: ["-resize", "300%", "-quality", "92"])).path
        let exact = try await VigilProcess.run(["hash", large]).stdout.prefix(64)
        let fast = try await VigilProcess.run(["hash", "--fast-decode", "--format", "json", large])
        let object = try JSONObject.parse(fast.stdout)
        let fastText = try #require(object["pdq"] as? String)
        let fastHash = try #require(PDQHash(hex: fastText))
        #expect(fastHash.distance(to: try #require(PDQHash(hex: exact))) <= 8)
        #expect(object["width"] as? Int == 4800 && object["height"] as? Int == 3012)
    }

    @Test func imageLimitsAreEnforcedPerFile() async throws {
        let result = try await VigilProcess.run(["hash", "--max-pixels", "1000", Self.bridge])
        #expect(result.status == 1)
        #expect(result.stderr.contains("over the limit of 1000 pixels"))
    }
}
