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
    /// The request id, in logs, responses and audit entries.
    var requestID: String { get }
    /// The connection, so a refused oversize upload can be cut off.
    var channel: any Channel { get }
    /// Why the caller reads personal data (`X-Purpose`), bounded, for the audit log.
    var purpose: String? { get }
}

extension CityContext {
    /// The client address, for the audit log and the login limits: read from the connection when
    /// asked, since most requests never write an audit entry.
    public var remoteAddress: String? { channel.remoteAddress?.ipAddress }

    /// Where this request comes from, for the audit entry a module writes with its change.
    public var auditOrigin: AuditOrigin {
        AuditOrigin(source: remoteAddress, requestID: requestID, purpose: purpose)
    }
}
