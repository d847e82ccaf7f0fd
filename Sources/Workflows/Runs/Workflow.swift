import Basics
public import Foundation

/// A stored workflow: its draft (what edits change) and which published version is live.
public struct Workflow: Sendable, Equatable {
    /// `wfl_` and 16 hex digits.
    public var id: String
    public var name: String
    public var draft: WorkflowDefinition
    /// The version new runs start on; nil until the first publish.
    public var liveVersion: Int?
    /// The highest version published (the live one may be an earlier one, after a rollback).
    public var latestVersion: Int?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, name: String, draft: WorkflowDefinition, liveVersion: Int?, latestVersion: Int?, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.draft = draft
        self.liveVersion = liveVersion
        self.latestVersion = latestVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public static func newID() -> String {
        "wfl_" + Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255) })
    }
}

/// A published version: frozen, never edited; runs are pinned to one.
public struct WorkflowVersion: Sendable, Equatable {
    public var workflowID: String
    public var version: Int
    public var definition: WorkflowDefinition
    public var publishedAt: Date
    public var publishedBy: String

    public init(workflowID: String, version: Int, definition: WorkflowDefinition, publishedAt: Date, publishedBy: String) {
        self.workflowID = workflowID
        self.version = version
        self.definition = definition
        self.publishedAt = publishedAt
        self.publishedBy = publishedBy
    }
}
