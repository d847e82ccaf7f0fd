import Access
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import VigilServer

/// The route × role matrix: every route has exactly one rule, the rules name only routes that
/// exist, every route refuses every role without its permission and lets every other role past,
/// and the README's role table is the matrix.
@Suite struct RoleMatrixTests {
    /// Every route the router has, as "METHOD /pattern".
    static func routes(_ fixture: ServerFixture) -> Set<String> {
        let router = VigilRouter.build(service: fixture.service, accessLogger: .init(label: "test"), dashboard: false)
        return Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
    }

    @Test func everyRouteHasOneRuleAndEveryRuleIsARoute() async throws {
        let fixture = try await ServerFixture()
        let routes = Self.routes(fixture)
        await fixture.database.close()
        let ruled = Set(RouteAccess.rules.keys)
        #expect(routes.subtracting(ruled).sorted() == [], "routes without an access rule")
        #expect(ruled.subtracting(routes).sorted() == [], "access rules for routes that do not exist")
    }

    /// A concrete path for a pattern, naming things that do not exist, so that a role that may
    /// call a route gets past authorisation and then a 4xx, and nothing is changed.
    static func concrete(_ pattern: String) -> String {
        pattern.split(separator: "/").map { part in
            guard part.hasPrefix("{") else { return String(part) }
            return part == "{name}" || part == "{api}" ? "no-such-thing" : "999999"
        }.joined(separator: "/").replacingOccurrences(of: "//", with: "/").prefixed
    }

    @Test func everyRouteRefusesEveryRoleWithoutItsPermissionAndAdmitsTheOthers() async throws {
        let fixture = try await ServerFixture()
        let routes = Self.routes(fixture).sorted()
        try await fixture.test { http in
            var checked = 0
            for route in routes {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                let method = HTTPRequest.Method(rawValue: parts[0]) ?? .get
                let path = Self.concrete(parts[1])
                let permission = try #require(RouteAccess.permission(method: parts[0], path: parts[1]), "\(route) has no rule")
                for role in Role.allCases {
                    let key = try #require(fixture.keys[role])
                    // A stream that is allowed would stay open: a bad Last-Event-ID ends it with 400 first.
                    let header = path.hasSuffix("/events/stream") ? "Last-Event-ID" : "Authorization"
                    let reply: Reply
                    if header == "Last-Event-ID" {
                        var headers = HTTPFields()
                        headers[.authorization] = "Bearer \(key)"
                        headers[HTTPField.Name("Last-Event-ID")!] = "not-a-number"
                        reply = try await http.execute(uri: path, method: method, headers: headers, body: nil) { response in
                            Reply(status: Int(response.status.code), headers: response.headers, body: Array(response.body.readableBytesView))
                        }
                    } else {
                        reply = try await http.call(method, path, key: key)
                    }
                    let refused = reply.status == 403 && reply.errorMessage?.contains("permission") == true
                    #expect(refused == !role.may(permission), "\(route) as \(role.rawValue): HTTP \(reply.status) \(reply.text.prefix(160))")
                    checked += 1
                }
                if permission != .open {
                    #expect(try await http.call(method, path).status == 401, "\(route) without a key")
                }
            }
            #expect(checked == routes.count * Role.allCases.count)
        }
    }

    @Test func theReadmeRoleTableIsTheMatrix() throws {
        let readme = try String(contentsOf: ReadmeFile.url, encoding: .utf8)
        let lines = readme.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("| Permission |") }, "README has no role table")
        func cells(_ row: String) -> [String] {
            Array(row.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }.dropFirst(2).dropLast())
        }
        #expect(Array(cells(header).prefix(Role.allCases.count)) == Role.allCases.map { "`\($0.rawValue)`" }, "the table's columns are the roles, in order")
        for permission in Permission.allCases {
            let row = try #require(lines.first { $0.hasPrefix("| `\(permission.rawValue)` |") }, "README has no row for \(permission.rawValue)")
            let marked = Set(zip(Role.allCases, cells(row)).filter { $0.1 == "✓" }.map(\.0))
            #expect(marked == AccessPolicy.roles(for: permission), "README row \(permission.rawValue)")
        }
    }
}

enum ReadmeFile {
    static var url: URL {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("README.md")
            if FileManager.default.fileExists(atPath: candidate.path), FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "README.md")
    }
}

private extension String {
    var prefixed: String { hasPrefix("/") ? self : "/" + self }
}
