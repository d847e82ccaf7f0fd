public import AsyncHTTPClient
import NIOCore

/// The HTTP client every integration call goes through, one for the process. Unlike the shared
/// default it gives up on connecting after 5 s, so an unreachable provider is reported as such
/// in seconds instead of at the end of the whole call's deadline (AsyncHTTPClient retries
/// connection attempts until the connect timeout). It lives as long as the process.
public enum IntegrationHTTP {
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(5), read: .seconds(60)))
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .enabled(limit: .ratio(20))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
