import CityCore
import Foundation
import Identity

/// A case as a reader sees it (GLOSSARY `Case`): one reported problem, from intake to closure.
/// The reporter's phone and ID number are masked unless the reader's work needs them.
public struct Case: Sendable, Equatable, Codable {
    public var number: String
    public var divisionCode: String
    public var channel: CaseChannel
    public var kind: HotlineKind?
    public var categoryCode: String
    public var categoryName: String?
    public var urgency: CaseUrgency
    public var state: CaseState
    public var description: String
    public var location: GeoPoint?
    public var address: String?
    public var gridCode: String?
    public var reporter: Reporter?
    public var organisationCode: String?
    public var reportedAt: Date
    public var registeredAt: Date?
    public var dispatchedAt: Date?
    public var acceptedAt: Date?
    public var reportedBackAt: Date?
    public var closedAt: Date?
    public var deadlineAt: Date?
    public var warnedAt: Date?
    public var overdueAt: Date?
    public var escalations: Int
    public var reworks: Int
    public var returns: Int
    public var extended: Bool
    /// An extension or parking waiting for the shift supervisor.
    public var pendingRequest: PendingRequest?
    public var mergedInto: String?
    public var handedOffTo: EmergencyLine?
    public var callback: Callback?
    public var updatedAt: Date
    /// Whether the reporter's personal fields are masked for this reader.
    public var masked: Bool
}

extension Case {
    /// Whether the reporter was called back since the case was last closed.
    public var calledBack: Bool {
        guard let at = callback?.at, let closed = closedAt else { return false }
        return at >= closed
    }

    /// The actions `caller` may take on this case now (state, role, organisation, what is pending).
    public func allowedActions(for caller: Principal) -> [CaseAction] {
        CaseAction.allowed(for: caller, state: state, organisationCode: organisationCode, pendingRequest: pendingRequest?.kind, calledBack: calledBack)
    }
}

/// Who reported a case.
public struct Reporter: Sendable, Equatable, Codable {
    public var name: String?
    public var phone: String?
    /// The resident ID number when given (linked to the persons registry).
    public var idNumber: String?
    /// The citizen account or API key that filed it.
    public var account: String?
    /// Whether `idNumber` named a resident of the persons registry when the case was filed.
    public var registeredResident: Bool?

    public init(name: String? = nil, phone: String? = nil, idNumber: String? = nil, account: String? = nil, registeredResident: Bool? = nil) {
        self.registeredResident = registeredResident
        self.name = name
        self.phone = phone
        self.idNumber = idNumber
        self.account = account
    }
}

/// An extension or parking request waiting for approval.
public struct PendingRequest: Sendable, Equatable, Codable {
    /// `extension` or `park`.
    public var kind: String
    public var limit: TimeLimit?
    public var reason: String
}

/// What the reporter said when called back.
public struct Callback: Sendable, Equatable, Codable {
    public var at: Date
    public var solved: Bool
    public var satisfied: Bool
}

/// One step of a case's timeline.
public struct CaseEvent: Sendable, Equatable, Codable {
    public var seq: Int
    public var at: Date
    public var actor: String
    /// The action (`report`, `register`, `dispatch`, … and the scheduler's `warn`, `overdue`).
    public var action: String
    public var fromState: CaseState?
    public var toState: CaseState
    public var organisationCode: String?
    public var note: String?
}

/// A photo's description (its bytes are served apart).
public struct CaseAttachment: Sendable, Equatable, Codable {
    public var id: String
    /// `report` (with the case), `feedback` (the department's result), `verify`.
    public var stage: String
    public var contentType: String
    public var size: Int
    public var sha256: String
    public var createdAt: Date
}

/// A case with its timeline, photos and nearest cameras: the case page.
public struct CaseDetail: Sendable, Equatable {
    public var item: Case
    public var timeline: [CaseEvent]
    public var attachments: [CaseAttachment]
}

/// A photo as sent: its bytes, checked by `CaseDesk`.
public struct Photo: Sendable, Equatable {
    public var data: Data
    public init(_ data: Data) { self.data = data }

    /// The image type its bytes say (JPEG, PNG or WebP), or nil.
    public var contentType: String? {
        let b = [UInt8](data.prefix(12))
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return "image/jpeg" }
        if b.count >= 8, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return "image/png" }
        if b.count >= 12, b[0..<4] == [0x52, 0x49, 0x46, 0x46], b[8..<12] == [0x57, 0x45, 0x42, 0x50] { return "image/webp" }
        return nil
    }

    /// The largest photo accepted (a phone's JPEG is 2-5 MB).
    public static let maxSize = 8 << 20
    /// The most photos one step takes.
    public static let maxCount = 9
}

/// A case to file.
public struct NewCase: Sendable {
    public var channel: CaseChannel
    public var kind: HotlineKind?
    public var categoryCode: String
    public var description: String
    public var urgency: CaseUrgency
    /// Where it is: a map point, or an address of the geography registry by code.
    public var location: GeoPoint?
    public var addressCode: String?
    /// Free text of the place as the reporter said it.
    public var address: String?
    public var reporter: Reporter
    public var photos: [Photo]
    /// An emergency handed off at once (recorded; the case goes no further here).
    public var handOffTo: EmergencyLine?

    public init(channel: CaseChannel, kind: HotlineKind? = nil, categoryCode: String, description: String, urgency: CaseUrgency = .normal,
                location: GeoPoint? = nil, addressCode: String? = nil, address: String? = nil, reporter: Reporter = Reporter(),
                photos: [Photo] = [], handOffTo: EmergencyLine? = nil) {
        self.channel = channel
        self.kind = kind
        self.categoryCode = categoryCode
        self.description = description
        self.urgency = urgency
        self.location = location
        self.addressCode = addressCode
        self.address = address
        self.reporter = reporter
        self.photos = photos
        self.handOffTo = handOffTo
    }
}

/// What an action carries besides the case: each action reads the parts it needs.
public struct CaseActionInput: Sendable {
    public var note: String?
    /// `dispatch`: the organisation to send it to.
    public var organisationCode: String?
    /// `verify`: whether the result holds on site.
    public var passed: Bool?
    /// `callback`: the reporter's answers.
    public var solved: Bool?
    public var satisfied: Bool?
    /// `requestExtension`: how much more time.
    public var limit: TimeLimit?
    /// `merge`: the case number this one joins.
    public var into: String?
    /// `reportBack`, `verify`: photos of the result.
    public var photos: [Photo]

    public init(note: String? = nil, organisationCode: String? = nil, passed: Bool? = nil, solved: Bool? = nil, satisfied: Bool? = nil,
                limit: TimeLimit? = nil, into: String? = nil, photos: [Photo] = []) {
        self.note = note
        self.organisationCode = organisationCode
        self.passed = passed
        self.solved = solved
        self.satisfied = satisfied
        self.limit = limit
        self.into = into
        self.photos = photos
    }
}
