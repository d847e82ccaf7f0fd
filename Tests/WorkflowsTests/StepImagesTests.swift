import Foundation
import Jobs
import JSONValues
import Synchronization
import Testing
import Workflows

/// A step reads only the images of its own run: those it was given (an `image` parameter) and
/// those an earlier match lookup of it kept (its `image_sha256`), after a resume and across
/// parallel branches too; an image another step names, or another run kept, is refused.
@Suite struct StepImagesTests {
    let store = InMemoryWorkflowStore()
    let images = MemoryRunImages()
    var service: WorkflowService {
        WorkflowService(store: store, jobs: JobQueue(store: UnusedJobStore()), images: images, credentials: { [:] })
    }

    final class MemoryRunImages: RunImages {
        let kept = Mutex<[String: [UInt8]]>([:])
        func keep(_ bytes: [UInt8]) async throws -> String {
            let name = String(format: "%064x", bytes.reduce(0) { $0 &* 31 &+ Int($1) } & 0xFFFF_FFFF)
            kept.withLock { $0[name] = bytes }
            return name
        }
        func bytes(_ sha256: String) async throws -> [UInt8] {
            guard let bytes = kept.withLock({ $0[sha256] }) else { throw ActionFailure("not kept") }
            return bytes
        }
    }

    /// An action that runs `body` with the call (the scripted actions cannot await).
    struct AsyncAction: WorkflowAction {
        let key: String
        let body: @Sendable (ActionCall) async throws -> JSONValue
        func perform(_ call: ActionCall) async throws -> JSONValue { try await body(call) }
    }

    static let matched: [UInt8] = [0xFF, 0xD8, 1, 2, 3]

    /// The match lookup of the ready workflow: keeps the bytes that matched.
    static let keepingLookup = AsyncAction(key: "vigil.match_lookup") { call in
        ["is_match": true, "matches": [], "status_code": 3000, "status_description": "OK",
         "image_sha256": .string(try await call.images.keep(matched))]
    }

    /// case.create reading the image it names; answers how many bytes it read.
    static let reader = AsyncAction(key: "case.create") { call in
        let bytes = try await call.images.bytes(call.text("image_sha256") ?? "")
        return ["case_id": .number(Double(bytes.count)), "status": "open", "version": 1, "created": true]
    }

    static let lookupStep = StepDefinition(id: "lookup", type: "action", integration: "vigil", operation: "match_lookup",
                                           inputs: ["image_url": "{{ trigger.image_url }}", "keep_image": true])
    static func readStep(_ id: String = "open_case", from template: String = "{{ steps.lookup.output.image_sha256 }}") -> StepDefinition {
        StepDefinition(id: id, type: "action", action: "case.create", inputs: ["title": "t", "image_sha256": .string(template)])
    }

    func run(_ steps: [StepDefinition], trigger: Trigger = EngineTests.trigger,
             input: [String: JSONValue] = ["image_url": "https://example.org/a.jpg"]) async throws -> WorkflowRun {
        let workflow = try await service.create(WorkflowDefinition(name: "wf-\(UUID().uuidString.prefix(8))", trigger: trigger, steps: steps))
        _ = try await service.publish(workflow.id, by: "test")
        return try await service.start(workflow.id, input: input, idempotencyKey: nil).run
    }

    func engine(_ actions: [any WorkflowAction]) -> WorkflowEngine { WorkflowEngine(store: store, actions: actions, images: images) }

    @Test func theImageALookupKeptIsReadAfterAResume() async throws {
        let run = try await run([Self.lookupStep, Self.readStep()])
        let dies = AsyncAction(key: "case.create") { _ in throw CancellationError() }
        await #expect(throws: CancellationError.self) { try await engine([Self.keepingLookup, dies]).advance(runID: run.id) }
        // The lookup is not run again: the image is readable from its stored record.
        let noLookup = AsyncAction(key: "vigil.match_lookup") { _ in throw ActionFailure("the lookup ran again") }
        #expect(try await engine([noLookup, Self.reader]).advance(runID: run.id) == .finished(.succeeded))
        #expect(store.step(run.id, "open_case")?.output?.object?["case_id"] == .number(Double(Self.matched.count)))
    }

    @Test func theImageALookupKeptInAParallelBranchIsReadAfterIt() async throws {
        let other = StepDefinition(id: "other", type: "action", action: "bank.add", inputs: ["bank": "B", "pdq": "x"])
        let both = StepDefinition(id: "both", type: "parallel", branches: [BranchDefinition(steps: [Self.lookupStep]), BranchDefinition(steps: [other])])
        let run = try await run([both, Self.readStep()])
        let adds = ScriptedAction("bank.add") { _, _ in ["added": true, "bank": "B"] }
        #expect(try await engine([Self.keepingLookup, adds, Self.reader]).advance(runID: run.id) == .finished(.succeeded))
    }

    @Test func anImageAnotherStepNamesIsNotReadable() async throws {
        // Kept by another run's lookup: in the store, but not this run's.
        let other = try await run([Self.lookupStep])
        #expect(try await engine([Self.keepingLookup]).advance(runID: other.id) == .finished(.succeeded))
        let kept = try #require(images.kept.withLock { $0.keys.first })
        // A step that is not a match lookup answers with the SHA-256 in its output (vigil.hash of
        // some image, which the run did not keep).
        let echoes = ScriptedAction("vigil.hash") { _, _ in
            ["pdq": .null, "pdq_quality": 0, "md5": "", "sha256": .string(kept), "image_sha256": .string(kept)]
        }
        let named = StepDefinition(id: "echo", type: "action", integration: "vigil", operation: "hash", inputs: ["image_url": "https://example.org/b.jpg"])
        for steps in [[named, Self.readStep(from: "{{ steps.echo.output.sha256 }}")], [named, Self.readStep(from: kept)], [Self.readStep(from: kept)]] {
            let run = try await run(steps)
            #expect(try await engine([echoes, Self.reader]).advance(runID: run.id) == .finished(.failed))
            #expect(store.step(run.id, "open_case")?.error?.contains("is not an image this run was given or matched") == true,
                    "\(String(describing: store.step(run.id, "open_case")?.error))")
        }
    }

    @Test func theImageARunWasGivenIsReadable() async throws {
        let trigger = Trigger.api([Parameter(name: "photo", type: "image", required: true)])
        let run = try await run([StepDefinition(id: "open_case", type: "action", action: "case.create", inputs: ["title": "t"])], trigger: trigger,
                                input: ["photo": .string(Data([1, 2, 3, 4]).base64EncodedString())])
        let given = try #require(run.input.object?["photo"]?.object?["sha256"]?.string)
        // The step names it by its SHA-256 as the run's input keeps it.
        let readsGiven = AsyncAction(key: "case.create") { call in
            let bytes = try await call.images.bytes(given)
            return ["case_id": .number(Double(bytes.count)), "status": "open", "version": 1, "created": true]
        }
        #expect(try await engine([readsGiven]).advance(runID: run.id) == .finished(.succeeded))
        #expect(store.step(run.id, "open_case")?.output?.object?["case_id"] == 4)
    }
}
