import CityCore
import CityStore
import Foundation
import Hummingbird
import Identity
import Logging
import NIOCore

/// The context every request starts with. `AuthMiddleware` fills in the caller, if any.
public struct AppRequestContext: CityContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// Why authentication failed, when credentials were sent but were not good.
    public var authFailure: IdentityError?
    /// Whether the caller authenticated with the web session cookie (not a bearer token).
    public var viaCookie = false
    /// How the session in use was started, for the audit entry of its end.
    public var sessionChannel: SessionBook.Channel { viaCookie ? .web : .api }
    /// The session token in use, so logout can revoke it.
    public var sessionToken: String?
    public var requestID: String
    public var purpose: String?
    public let channel: any Channel
    /// The body limit of this application (set by `AuthMiddleware` from the platform's settings,
    /// since a context is built from its source alone).
    public var bodyLimit = 1 << 20
    public var maxUploadSize: Int { bodyLimit }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.requestID = source.logger[metadataKey: "hb.request.id"]?.description ?? UUID().uuidString
    }
}
