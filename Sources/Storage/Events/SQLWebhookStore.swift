public import Events
public import Foundation
public import Jobs
import SQLKit

/// Deliveries are queued with their events: one row and one job per (event, subscription that
/// wants it), in the event's transaction, so an event is never committed without its deliveries.
enum WebhookDeliverySQL {
    static func queue(for events: [Event], at time: Date, on sql: any SQLDatabase) async throws {
        let subscriptions = try await sql.raw("SELECT id, event_types FROM webhook_subscriptions WHERE active = TRUE").all().map { row in
            (id: try row.decode(column: "id", as: Int64.self),
             types: try JSONCoding.decode([String].self, try row.decode(column: "event_types", as: String.self), "a subscription's event types"))
        }
        guard !subscriptions.isEmpty else { return }
        let ms = time.millisecondsSince1970
        var wanted: [(subscription: Int64, event: Event)] = []
        for event in events {
            for subscription in subscriptions where EventTypes.matches(subscription.types, event.type) { wanted.append((subscription.id, event)) }
        }
        // 300 deliveries a statement: well inside every bind-parameter limit.
        for start in stride(from: 0, to: wanted.count, by: 300) {
            let part = wanted[start..<min(wanted.count, start + 300)]
            var insert = SQLQueryString("INSERT INTO webhook_deliveries (subscription_id, event_id, subject, state, created_at, updated_at) VALUES ")
            for (index, item) in part.enumerated() {
                insert.appendLiteral(index == 0 ? "(" : ", (")
                insert.appendLiteral("\(item.subscription), \(item.event.id), ")
                insert.appendInterpolation(bind: item.event.subject)
                insert.appendLiteral(", 'pending', \(ms), \(ms))")
            }
            insert.appendLiteral(" RETURNING id")
            let ids = try await sql.raw(insert).all().map { try $0.decode(column: "id", as: Int64.self) }.sorted()
            let jobs = try await SQLJobStore.insertMany(try ids.map { try WebhookDelivery.job(delivery: $0, at: time) }, at: time, on: sql)
            // Each delivery names its job (the next delivery of a subject is woken through it).
            let pairs = zip(ids, jobs).map { "WHEN \($0) THEN \($1)" }.joined(separator: " ")
            try await sql.raw("""
                UPDATE webhook_deliveries SET job_id = CASE id \(unsafeRaw: pairs) END
                WHERE id IN (\(unsafeRaw: ids.map(String.init).joined(separator: ",")))
                """).run()
        }
    }

    static func queueJob(delivery id: Int64, at time: Date, on sql: any SQLDatabase) async throws {
        let job = try await SQLJobStore.insert(WebhookDelivery.job(delivery: id, at: time), at: time, on: sql)
        try await sql.raw("UPDATE webhook_deliveries SET job_id = \(bind: job.id) WHERE id = \(bind: id)").run()
    }
}

/// `WebhookStore` on SQLKit.
public struct SQLWebhookStore: WebhookStore {
    public let database: VigilDatabase
    static let columns = "id, credential_id, event_types, active, description, created_at, updated_at"
    static let deliveryColumns = "id, subscription_id, event_id, subject, state, attempts, last_status, last_error, job_id, created_at, updated_at, delivered_at"

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func createSubscription(_ new: NewWebhookSubscription, at time: Date) async throws -> WebhookSubscription {
        let types = try JSONCoding.encode(new.eventTypes)
        let ms = time.millisecondsSince1970
        return try await database.run { sql in
            guard let row = try await sql.raw("""
                INSERT INTO webhook_subscriptions (credential_id, event_types, active, description, created_at, updated_at)
                VALUES (\(bind: new.credentialID), \(bind: types), \(bind: new.active), \(bind: new.description), \(bind: ms), \(bind: ms))
                RETURNING \(unsafeRaw: Self.columns)
                """).first() else { throw StorageError.corruptRow("INSERT returned no subscription") }
            return try Self.subscription(row)
        }
    }

    public func subscription(id: Int64) async throws -> WebhookSubscription? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM webhook_subscriptions WHERE id = \(bind: id)").first().map(Self.subscription)
        }
    }

    public func subscriptions() async throws -> [WebhookSubscription] {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM webhook_subscriptions ORDER BY id").all().map(Self.subscription)
        }
    }

    public func updateSubscription(_ subscription: WebhookSubscription, at time: Date) async throws -> WebhookSubscription? {
        let types = try JSONCoding.encode(subscription.eventTypes)
        return try await database.run { sql in
            try await sql.raw("""
                UPDATE webhook_subscriptions SET credential_id = \(bind: subscription.credentialID), event_types = \(bind: types),
                       active = \(bind: subscription.active), description = \(bind: subscription.description), updated_at = \(bind: time.millisecondsSince1970)
                WHERE id = \(bind: subscription.id) RETURNING \(unsafeRaw: Self.columns)
                """).first().map(Self.subscription)
        }
    }

    public func deleteSubscription(id: Int64) async throws -> Bool {
        try await database.run { sql in
            try await sql.raw("DELETE FROM webhook_subscriptions WHERE id = \(bind: id) RETURNING id").all().count == 1
        }
    }

    public func delivery(id: Int64) async throws -> WebhookDelivery? {
        try await database.run { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.deliveryColumns) FROM webhook_deliveries WHERE id = \(bind: id)").first().map(Self.delivery)
        }
    }

    public func deliveries(subscriptionID: Int64, states: [WebhookDelivery.State]?, before: Int64?, limit: Int) async throws -> [WebhookDelivery] {
        try await database.run { sql in
            let query = sql.select().column(SQLRaw(Self.deliveryColumns)).from("webhook_deliveries").where("subscription_id", .equal, subscriptionID)
            if let states, !states.isEmpty { query.where("state", .in, states.map(\.rawValue)) }
            if let before { query.where("id", .lessThan, before) }
            return try await query.orderBy("id", .descending).limit(max(1, min(limit, 1000))).all().map(Self.delivery)
        }
    }

    public func hasEarlierPending(_ delivery: WebhookDelivery) async throws -> Bool {
        try await database.run { sql in
            try await sql.raw("""
                SELECT 1 AS one FROM webhook_deliveries
                WHERE subscription_id = \(bind: delivery.subscriptionID) AND subject = \(bind: delivery.subject)
                  AND event_id < \(bind: delivery.eventID) AND state = 'pending'
                LIMIT 1
                """).first() != nil
        }
    }

    public func recordAttempt(id: Int64, state: WebhookDelivery.State, status: Int?, error: String?, at time: Date, fence: JobLease?) async throws {
        let ms = time.millisecondsSince1970
        let delivered: Int64? = state == .delivered ? ms : nil
        let dialect = database.dialect
        try await database.transaction { sql in
            try await SQLJobStore.fence(fence, sql, dialect)
            guard let row = try await sql.raw("""
                UPDATE webhook_deliveries SET state = \(bind: state.rawValue), attempts = attempts + 1, last_status = \(bind: status),
                       last_error = \(bind: error), updated_at = \(bind: ms), delivered_at = \(bind: delivered)
                WHERE id = \(bind: id) RETURNING subscription_id, subject, event_id
                """).first(), state != .pending else { return }
            // The next delivery of this subject was waiting for this one: it is due now.
            try await sql.raw("""
                UPDATE jobs SET run_after = \(bind: ms) WHERE state = 'queued' AND id = (
                    SELECT job_id FROM webhook_deliveries
                    WHERE subscription_id = \(bind: try row.decode(column: "subscription_id", as: Int64.self))
                      AND subject = \(bind: try row.decode(column: "subject", as: String.self))
                      AND event_id > \(bind: try row.decode(column: "event_id", as: Int64.self)) AND state = 'pending'
                    ORDER BY event_id LIMIT 1)
                """).run()
        }
    }

    public func redeliver(id: Int64, at time: Date) async throws -> WebhookDelivery? {
        try await database.transaction { sql in
            guard try await sql.raw("""
                UPDATE webhook_deliveries SET state = 'pending', updated_at = \(bind: time.millisecondsSince1970), delivered_at = NULL
                WHERE id = \(bind: id) AND state <> 'pending' RETURNING id
                """).first() != nil else { return nil }
            try await WebhookDeliverySQL.queueJob(delivery: id, at: time, on: sql)
            return try await sql.raw("SELECT \(unsafeRaw: Self.deliveryColumns) FROM webhook_deliveries WHERE id = \(bind: id)").first().map(Self.delivery)
        }
    }

    static func subscription(_ row: any SQLRow) throws -> WebhookSubscription {
        WebhookSubscription(
            id: try row.decode(column: "id", as: Int64.self), credentialID: try row.decode(column: "credential_id", as: String.self),
            eventTypes: try JSONCoding.decode([String].self, try row.decode(column: "event_types", as: String.self), "a subscription's event types"),
            active: try row.decode(column: "active", as: Bool.self), description: try row.decode(column: "description", as: String.self),
            createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(milliseconds: try row.decode(column: "updated_at", as: Int64.self)))
    }

    static func delivery(_ row: any SQLRow) throws -> WebhookDelivery {
        let stateName = try row.decode(column: "state", as: String.self)
        guard let state = WebhookDelivery.State(rawValue: stateName) else { throw StorageError.corruptRow("unknown delivery state \(stateName)") }
        return WebhookDelivery(
            id: try row.decode(column: "id", as: Int64.self), subscriptionID: try row.decode(column: "subscription_id", as: Int64.self),
            eventID: try row.decode(column: "event_id", as: Int64.self), subject: try row.decode(column: "subject", as: String.self),
            state: state, attempts: try row.decode(column: "attempts", as: Int.self), lastStatus: try row.decode(column: "last_status", as: Int?.self),
            lastError: try row.decode(column: "last_error", as: String?.self), jobID: try row.decode(column: "job_id", as: Int64?.self),
            createdAt: Date(milliseconds: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(milliseconds: try row.decode(column: "updated_at", as: Int64.self)),
            deliveredAt: try row.decode(column: "delivered_at", as: Int64?.self).map(Date.init(milliseconds:)))
    }
}
