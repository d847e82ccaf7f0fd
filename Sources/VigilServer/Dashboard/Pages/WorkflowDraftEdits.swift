import Foundation
import JSONValues
import Workflows

/// The builder's edits of a step already in the draft — open it, change it, move it, copy it —
/// and what the draft changes from the live version, in words. Every edit is validated by the
/// domain before it is saved.
enum WorkflowDraftEdits {
    /// The step with `id`, wherever it is in the draft.
    static func find(_ id: String, in steps: [StepDefinition]) -> StepDefinition? {
        WorkflowDefinition(name: "", trigger: .api([]), steps: steps).allSteps.first { $0.id == id }
    }

    /// Applies `change` to the list that holds the step `id` and the step's index in it.
    static func within(_ steps: inout [StepDefinition], holding id: String, _ change: (inout [StepDefinition], Int) -> Bool) -> Bool {
        if let index = steps.firstIndex(where: { $0.id == id }) { return change(&steps, index) }
        for index in steps.indices {
            if var branches = steps[index].branches {
                for b in branches.indices where within(&branches[b].steps, holding: id, change) {
                    steps[index].branches = branches
                    return true
                }
            }
            if var otherwise = steps[index].otherwise, within(&otherwise, holding: id, change) {
                steps[index].otherwise = otherwise
                return true
            }
        }
        return false
    }

    /// Why an edit of a step was not made, in words for the page.
    struct Refusal: Error {
        let message: String
    }

    /// Puts `edited` in the place of the step `id`. A conditional keeps the steps of each branch
    /// (matched by the form's slot: `slots[k]` is the slot the k-th edited branch came from) and
    /// its else: editing one changes its conditions, not what they run. A branch that still runs
    /// steps is not dropped, nor is a conditional that runs steps replaced by another kind.
    static func replace(_ id: String, with edited: StepDefinition, slots: [Int]? = nil, in steps: inout [StepDefinition]) throws(Refusal) {
        var refusal: Refusal?
        let found = within(&steps, holding: id) { list, index in
            var edited = edited
            let current = list[index]
            let runs = (current.branches ?? []).flatMap(\.steps) + (current.otherwise ?? [])
            if current.type == "conditional", edited.type != "conditional", !runs.isEmpty {
                refusal = Refusal(message: "Step \(id) runs \(runs.map(\.id).joined(separator: ", ")): remove those steps before making it another kind of step.")
                return true
            }
            if edited.type == "conditional", current.type == "conditional" {
                let old = current.branches ?? []
                let from = slots ?? Array((edited.branches ?? []).indices)
                if let full = old.indices.first(where: { !from.contains($0) && !old[$0].steps.isEmpty }) {
                    refusal = Refusal(message: "Branch \(full + 1) still runs \(old[full].steps.map(\.id).joined(separator: ", ")): remove those steps first, or keep its condition.")
                    return true
                }
                edited.branches = (edited.branches ?? []).enumerated().map { offset, branch in
                    var branch = branch
                    if from.indices.contains(offset), old.indices.contains(from[offset]) { branch.steps = old[from[offset]].steps }
                    return branch
                }
                edited.otherwise = current.otherwise ?? []
            }
            list[index] = edited
            return true
        }
        if let refusal { throw refusal }
        guard found else { throw Refusal(message: "The draft has no step \(id) any more: reload the page.") }
    }

    /// Moves the step one place up (-1) or down (+1) within its own list (branch or top level).
    static func move(_ id: String, by offset: Int, in steps: inout [StepDefinition]) -> Bool {
        within(&steps, holding: id) { list, index in
            let target = index + offset
            guard list.indices.contains(target) else { return false }
            list.swapAt(index, target)
            return true
        }
    }

    /// Puts a copy of the step right after it, with a new id (an action's copy is whole; a
    /// conditional's keeps its conditions and starts with empty branches, as ids are unique).
    static func duplicate(_ id: String, in steps: inout [StepDefinition]) -> String? {
        let taken = ids(steps)
        var newID: String?
        let done = within(&steps, holding: id) { list, index in
            var copy = list[index]
            copy.id = uniqueID(from: copy.id, taken: taken)
            copy.name = copy.name.map { "\($0) (copy)" }
            if copy.type == "conditional" {
                copy.branches = copy.branches?.map { BranchDefinition(name: $0.name, condition: $0.condition, steps: []) }
                copy.otherwise = []
            }
            newID = copy.id
            list.insert(copy, at: index + 1)
            return true
        }
        return done ? newID : nil
    }

    static func ids(_ steps: [StepDefinition]) -> Set<String> {
        Set(WorkflowDefinition(name: "", trigger: .api([]), steps: steps).allSteps.map(\.id))
    }

    /// A step id made from what a person calls it: "PhotoDNA lookup" → `photodna_lookup`,
    /// lowercase letters, digits and `_`, starting with a letter, not one the draft has.
    static func id(fromName name: String, taken: Set<String>) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        var id = ""
        for character in folded {
            if character.isASCII && (character.isLetter || character.isNumber) { id.append(character) } else if !id.hasSuffix("_") { id.append("_") }
        }
        id = String(id.trimmingCharacters(in: CharacterSet(charactersIn: "_")).prefix(48))
        if id.isEmpty || id.first?.isLetter != true { id = "step" + (id.isEmpty ? "" : "_" + id) }
        return uniqueID(from: id, taken: taken)
    }

    /// `base`, or `base_2`, `base_3`, … whichever the draft does not have yet.
    static func uniqueID(from base: String, taken: Set<String>) -> String {
        guard taken.contains(base) else { return base }
        let stem = base.replacing(/_\d+$/, with: "")
        var n = 2
        while taken.contains("\(stem)_\(n)") { n += 1 }
        return "\(stem)_\(n)"
    }

    /// What publishing the draft would change from `live` (nil: nothing is live), one line each.
    static func changes(from live: WorkflowDefinition?, to draft: WorkflowDefinition) -> [String] {
        guard let live else { return draft.allSteps.isEmpty ? [] : ["the first version: \(draft.allSteps.count) step(s)"] }
        var lines: [String] = []
        if live.name != draft.name { lines.append("the name changes to \"\(draft.name)\"") }
        if live.description != draft.description { lines.append("the description changes") }
        if live.trigger != draft.trigger { lines.append("the trigger changes") }
        let before = Dictionary(live.allSteps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(draft.allSteps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for step in draft.allSteps {
            guard let old = before[step.id] else { lines.append("adds \(label(step))"); continue }
            let what = differences(old, step)
            if !what.isEmpty { lines.append("changes \(label(step)): \(what.joined(separator: ", "))") }
        }
        for step in live.allSteps where after[step.id] == nil { lines.append("removes \(label(step))") }
        // The order of the steps both have: a move is a change whatever else changed.
        let kept = Set(before.keys).intersection(after.keys)
        if live.allSteps.map(\.id).filter(kept.contains) != draft.allSteps.map(\.id).filter(kept.contains) { lines.append("reorders the steps") }
        // Anything else (a branch's name, a step's place in another branch): said, never hidden.
        if lines.isEmpty, live != draft { lines.append("changes the steps' arrangement (branch names or places)") }
        return lines
    }

    static func label(_ step: StepDefinition) -> String {
        let name = step.name.map { "\"\($0)\" (\(step.id))" } ?? step.id
        return "step \(name)"
    }

    static func differences(_ old: StepDefinition, _ new: StepDefinition) -> [String] {
        var what: [String] = []
        if old.name != new.name { what.append("its name") }
        if WorkflowBuilder.actionKey(old) != WorkflowBuilder.actionKey(new) { what.append("its action") }
        if old.credential != new.credential { what.append("its credential") }
        let keys = Set((old.inputs ?? [:]).keys).union((new.inputs ?? [:]).keys).sorted()
        let changed = keys.filter { old.inputs?[$0] != new.inputs?[$0] }
        if !changed.isEmpty { what.append("input\(changed.count == 1 ? "" : "s") " + changed.joined(separator: ", ")) }
        if old.branches?.map(\.condition) != new.branches?.map(\.condition) { what.append("its conditions") }
        if old.branches?.map(\.name) != new.branches?.map(\.name) { what.append("its branches' names") }
        if old.branches?.map({ $0.steps.map(\.id) }) != new.branches?.map({ $0.steps.map(\.id) }) || old.otherwise?.map(\.id) != new.otherwise?.map(\.id) {
            what.append("the steps of its branches")
        }
        if old.retry != new.retry || old.continueOnError != new.continueOnError { what.append("its retries") }
        return what
    }
}
