import CityCore
import CityStore
import Foundation
import Hummingbird
import Identity
import Logging
import NIOCore

/// What every CityHub request context offers handlers and middleware.
public protocol CityContext: RequestContext {
    /// The caller, when authenticated.
    var principal: Principal? { get }
    /// The client address, for the audit log.
    var remoteAddress: String? { get }
    /// The request id, in logs, responses and audit entries.
    var requestID: String { get }
    /// The connection, so a refused oversize upload can be cut off.
    var channel: any Channel { get }
}

/// The context every request starts with. `AuthMiddleware` fills in the caller, if any.
public struct AppRequestContext: CityContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// Why authentication failed, when credentials were sent but were not good.
    public var authFailure: IdentityError?
    /// Whether the caller authenticated with the web session cookie (not a bearer token).
    public var viaCookie = false
    /// The session token in use, so logout can revoke it.
    public var sessionToken: String?
    public var remoteAddress: String?
    public var requestID: String
    public let channel: any Channel
    /// The body limit of this application (set by `AuthMiddleware` from the platform's settings,
    /// since a context is built from its source alone).
    public var bodyLimit = 1 << 20
    public var maxUploadSize: Int { bodyLimit }

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
        self.requestID = source.logger[metadataKey: "hb.request.id"]?.description ?? UUID().uuidString
    }
}

/// A context that exists only for an authenticated caller: routes in a group using it cannot be
/// reached without credentials, and a handler cannot forget to check.
public struct AuthenticatedContext: CityContext, ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller: never missing here.
    public let caller: Principal
    public var principal: Principal? { caller }
    public var remoteAddress: String?
    public var requestID: String
    public var sessionToken: String?
    public let maxUploadSize: Int
    public let channel: any Channel

    public init(context: AppRequestContext) throws {
        guard let principal = context.principal else { throw context.authFailure ?? IdentityError.unauthenticated }
        self.coreContext = context.coreContext
        self.caller = principal
        self.remoteAddress = context.remoteAddress
        self.requestID = context.requestID
        self.sessionToken = context.sessionToken
        self.maxUploadSize = context.bodyLimit
        self.channel = context.channel
    }
}


extension CityContext {
    /// Where this request comes from, for the audit entry a module writes with its change.
    public var auditOrigin: AuditOrigin {
        AuditOrigin(source: remoteAddress, requestID: requestID)
    }
}
