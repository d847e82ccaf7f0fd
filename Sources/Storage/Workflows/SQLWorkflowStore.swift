public import Foundation
import JSONValues
import SQLKit
public import Workflows

/// `WorkflowStore` on SQLKit: definitions and published versions here, runs and steps in
/// SQLWorkflowStore+Runs. Definitions are stored as JSON text.
public struct SQLWorkflowStore: WorkflowStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    static let columns = "id, name, draft, live_version, latest_version, created_at, updated_at"

    public func insert(_ workflow: Workflow) async throws {
        let draft = try Self.json(workflow.draft)
        try await database.run { sql in
            let inserted = try await sql.raw("""
                INSERT INTO workflows (id, name, draft, created_at, updated_at)
                VALUES (\(bind: workflow.id), \(bind: workflow.name), \(bind: draft), \(bind: workflow.createdAt.millisecondsSince1970),
                        \(bind: workflow.updatedAt.millisecondsSince1970))
                ON CONFLICT (name) DO NOTHING RETURNING id
                """).all()
            if inserted.isEmpty { throw WorkflowError.duplicateName(workflow.name) }
        }
    }

    public func workflow(id: String) async throws -> Workflow? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM workflows WHERE id = \(bind: id)").first().map(Self.workflow)
        }
    }

    public func workflow(named name: String) async throws -> Workflow? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM workflows WHERE name = \(bind: name)").first().map(Self.workflow)
        }
    }

    public func workflows() async throws -> [Workflow] {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM workflows ORDER BY name").all().map(Self.workflow)
        }
    }

    public func updateDraft(id: String, name: String, draft: WorkflowDefinition, at time: Date) async throws -> Workflow? {
        let text = try Self.json(draft)
        return try await database.run { sql in
            try await sql.raw("""
                UPDATE workflows SET name = \(bind: name), draft = \(bind: text), updated_at = \(bind: time.millisecondsSince1970)
                WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.columns)
                """).first().map(Self.workflow)
        }
    }

    public func delete(id: String) async throws -> Bool {
        try await database.transaction { sql in
            let unfinished = try await sql.raw("""
                SELECT COUNT(*) AS n FROM workflow_runs WHERE workflow_id = \(bind: id) AND status NOT IN ('succeeded', 'failed', 'cancelled')
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            guard unfinished == 0 else { return false }
            try await sql.raw("DELETE FROM workflow_steps WHERE run_id IN (SELECT id FROM workflow_runs WHERE workflow_id = \(bind: id))").run()
            try await sql.raw("DELETE FROM workflow_runs WHERE workflow_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM workflow_versions WHERE workflow_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM workflows WHERE id = \(bind: id)").run()
            return true
        }
    }

    // MARK: versions

    public func publish(workflowID: String, definition: WorkflowDefinition, by actor: String, at time: Date) async throws -> WorkflowVersion {
        let text = try Self.json(definition)
        let ms = time.millisecondsSince1970
        return try await database.transaction { sql in
            // The workflow row is updated first: on PostgreSQL that locks it, so two publishes at
            // once take consecutive numbers instead of one failing on the key.
            guard let row = try await sql.raw("""
                UPDATE workflows SET latest_version = COALESCE(latest_version, 0) + 1, live_version = COALESCE(latest_version, 0) + 1,
                       updated_at = \(bind: ms)
                WHERE id = \(bind: workflowID) RETURNING latest_version
                """).first() else { throw WorkflowError.notFound(workflowID) }
            let version = try row.decode(column: "latest_version", as: Int.self)
            try await sql.raw("""
                INSERT INTO workflow_versions (workflow_id, version, definition, trigger_kind, published_at, published_by)
                VALUES (\(bind: workflowID), \(bind: version), \(bind: text), \(bind: definition.trigger.type), \(bind: ms), \(bind: actor))
                """).run()
            return WorkflowVersion(workflowID: workflowID, version: version, definition: definition, publishedAt: Date(milliseconds: ms), publishedBy: actor)
        }
    }

    public func setLive(workflowID: String, version: Int, at time: Date) async throws -> Bool {
        try await database.run { sql in
            try await sql.raw("""
                UPDATE workflows SET live_version = \(bind: version), updated_at = \(bind: time.millisecondsSince1970)
                WHERE id = \(bind: workflowID)
                  AND EXISTS (SELECT 1 FROM workflow_versions WHERE workflow_id = \(bind: workflowID) AND version = \(bind: version))
                RETURNING id
                """).all().count == 1
        }
    }

    static let versionColumns = "workflow_id, version, definition, published_at, published_by"

    public func versions(workflowID: String) async throws -> [WorkflowVersion] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.versionColumns) FROM workflow_versions WHERE workflow_id = \(bind: workflowID) ORDER BY version DESC
                """).all().map(Self.version)
        }
    }

    public func version(workflowID: String, version: Int) async throws -> WorkflowVersion? {
        try await database.run { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.versionColumns) FROM workflow_versions WHERE workflow_id = \(bind: workflowID) AND version = \(bind: version)
                """).first().map(Self.version)
        }
    }

    public func liveEventVersions() async throws -> [WorkflowVersion] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT v.workflow_id, v.version, v.definition, v.published_at, v.published_by
                FROM workflow_versions v JOIN workflows w ON w.id = v.workflow_id AND w.live_version = v.version
                WHERE v.trigger_kind = 'event'
                """).all().map(Self.version)
        }
    }

    // MARK: rows

    static func json<T: Encodable>(_ value: T) throws -> String { try JSONCoding.encode(value) }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, _ what: String) throws -> T { try JSONCoding.decode(type, text, what) }

    static func workflow(_ row: any SQLRow) throws -> Workflow {
        Workflow(id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                 draft: try decode(WorkflowDefinition.self, try row.decode(column: "draft", as: String.self), "a workflow draft"),
                 liveVersion: try row.decode(column: "live_version", as: Int?.self),
                 latestVersion: try row.decode(column: "latest_version", as: Int?.self),
                 createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
                 updatedAt: Date(milliseconds: try row.decode(column: "updated_at", as: Int64.self)))
    }

    static func version(_ row: any SQLRow) throws -> WorkflowVersion {
        WorkflowVersion(workflowID: try row.decode(column: "workflow_id", as: String.self), version: try row.decode(column: "version", as: Int.self),
                        definition: try decode(WorkflowDefinition.self, try row.decode(column: "definition", as: String.self), "a workflow version"),
                        publishedAt: Date(milliseconds: try row.decode(column: "published_at", as: Int64.self)),
                        publishedBy: try row.decode(column: "published_by", as: String.self))
    }
}
