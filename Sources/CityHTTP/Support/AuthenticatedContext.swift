import CityCore
import CityStore
import Foundation
import Hummingbird
import Identity
import Logging
import NIOCore

/// A context that exists only for an authenticated caller: routes in a group using it cannot be
/// reached without credentials, and a handler cannot forget to check.
public struct AuthenticatedContext: CityContext, ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller: never missing here.
    public let caller: Principal
    public var principal: Principal? { caller }
    public var requestID: String
    public var sessionToken: String?
    public let sessionChannel: SessionBook.Channel
    public let purpose: String?
    public let maxUploadSize: Int
    public let channel: any Channel

    public init(context: AppRequestContext) throws {
        guard let principal = context.principal else { throw context.authFailure ?? IdentityError.unauthenticated }
        self.coreContext = context.coreContext
        self.caller = principal
        self.requestID = context.requestID
        self.sessionToken = context.sessionToken
        self.sessionChannel = context.sessionChannel
        self.purpose = context.purpose
        self.maxUploadSize = context.bodyLimit
        self.channel = context.channel
    }
}

/// A context for staff members and other government systems: it cannot exist without a division
/// scope, so a handler in a group using it has `scope` at hand and citizens never reach it.
public struct StaffContext: CityContext, ChildRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller: a staff member or an API key, never a citizen.
    public let caller: Principal
    /// The divisions the caller may see.
    public let scope: DivisionScope
    public var principal: Principal? { caller }
    public var requestID: String
    public let purpose: String?
    public let maxUploadSize: Int
    public let channel: any Channel

    public init(context: AuthenticatedContext) throws {
        self.scope = try context.caller.staffScope()
        self.coreContext = context.coreContext
        self.caller = context.caller
        self.requestID = context.requestID
        self.purpose = context.purpose
        self.maxUploadSize = context.maxUploadSize
        self.channel = context.channel
    }
}
