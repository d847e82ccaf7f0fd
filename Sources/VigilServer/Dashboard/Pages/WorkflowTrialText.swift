import Foundation
import JSONValues
import Workflows

/// The builder's "Test run" as a person reads it: the trigger's parameters as a form, and each
/// step's result in words (what a lookup found, what a step with an effect would have done).
enum WorkflowTrialText {
    /// The form's values as the trigger's parameters, typed as declared (a text that is not
    /// of its type stays text, and the trigger's check names it).
    /// An `image` parameter is an uploaded file (`images`, by field name), given as base64 as the API takes it.
    static func input(_ fields: FormFields, _ parameters: [Parameter], images: [String: [UInt8]] = [:]) -> [String: JSONValue] {
        var input: [String: JSONValue] = [:]
        for parameter in parameters {
            if parameter.type == "image" {
                if let bytes = images["trial_\(parameter.name)"] { input[parameter.name] = .string(Data(bytes).base64EncodedString()) }
                continue
            }
            guard let text = fields.text("trial_\(parameter.name)") else { continue }
            input[parameter.name] = switch parameter.type {
            case "integer", "number": Double(text).map(JSONValue.number) ?? .string(text)
            case "boolean": text == "true" ? .bool(true) : text == "false" ? .bool(false) : .string(text)
            case "object", "list": (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .string(text)
            default: .string(text)
            }
        }
        return input
    }

    /// The audit line's outcome: how many steps ran, would have run, and failed.
    static func summary(_ results: [TrialStep]) -> String {
        func count(_ test: (TrialStep.Outcome) -> Bool) -> Int { results.filter { test($0.outcome) }.count }
        let ran = count { if case .ran = $0 { true } else { false } }
        let would = count { $0 == .wouldRun }
        let failed = count { if case .failed = $0 { true } else if case .undecided = $0 { true } else { false } }
        return "ok: \(ran) ran, \(would) not run (effects), \(failed) failed or undecided"
    }

    static func data(parameters: [Parameter], fields: FormFields?, results: [TrialStep]?, problem: String?) -> [String: Any] {
        var data: [String: Any] = [
            // An image parameter is a file to upload (the form is then multipart; a file is never typed back).
            "parameters": parameters.map { parameter in
                ["name": parameter.name, "label": FieldForm.label(parameter.name), "type": parameter.type == "url" ? "url" : "text",
                 "file": parameter.type == "image",
                 "required": parameter.required == true, "value": fields?["trial_\(parameter.name)"] ?? ""] as [String: Any]
            },
            "multipart": parameters.contains { $0.type == "image" },
        ]
        if let problem { data["problem"] = problem }
        if let results {
            data["results"] = results.map(row)
            data["ran"] = true
        }
        return data
    }

    static func row(_ step: TrialStep) -> [String: Any] {
        var row: [String: Any] = ["id": step.stepID, "name": step.name ?? step.stepID, "action": step.action ?? "",
                                  "indent": String(repeating: "— ", count: step.depth)]
        switch step.outcome {
        case let .ran(output):
            row["kind"] = "ran"
            row["text"] = ranText(step.action, output)
            row["output"] = WorkflowPages.pretty(output)
        case .wouldRun:
            row["kind"] = "would"
            row["text"] = "Not run: it would \(wouldText(step.action)) with the inputs below."
        case let .failed(message):
            row["kind"] = "failed"
            row["text"] = "Failed: \(message)"
        case let .took(branch):
            row["kind"] = "took"
            row["text"] = switch branch {
            case "else": "Took the else branch."
            case "none": "No branch's condition held."
            case "all": "Runs its branches side by side."
            default: "Took the branch \u{201C}\(branch)\u{201D}."
            }
        case let .undecided(message):
            row["kind"] = "failed"
            row["text"] = "Undecided: \(message). A condition that reads a step with an effect is decided only in a real run."
        }
        if let inputs = step.inputs { row["inputs"] = WorkflowPages.pretty(inputs) }
        return row
    }

    static func ranText(_ action: String?, _ output: JSONValue) -> String {
        let fields = output.object ?? [:]
        if action?.hasSuffix(".match_lookup") == true {
            guard fields["is_match"]?.bool == true else { return "No match." }
            let matches = fields["matches"]?.array ?? []
            let closest = matches.compactMap { $0.object?["distance"]?.integer }.min()
            return "Matched \(matches.count) signature\(matches.count == 1 ? "" : "s")" + (closest.map { ", closest at distance \($0)" } ?? "") + "."
        }
        if action == "vigil.hash" { return "Hashed: PDQ quality \(fields["pdq_quality"]?.integer.map(String.init) ?? "unknown")." }
        return "Ran."
    }

    static func wouldText(_ action: String?) -> String {
        switch action ?? "" {
        case "case.create": "open a case"
        case let key where key.hasPrefix("case."): "change a case (\(Display.words(String(key.dropFirst(5)))))"
        case let key where key.hasPrefix("account."): "\(Display.words(String(key.dropFirst(8)))) an account"
        case "report.draft": "draft an NCMEC report"
        case "bank.add": "add the image to a bank"
        case "notify.chat": "tell a chat channel"
        case "notify.webhook", "webhook.deliver": "post to a webhook"
        default: "run \(action ?? "its action")"
        }
    }
}
