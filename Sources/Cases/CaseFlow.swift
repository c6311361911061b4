import CityCore
import Identity

/// Where a case stands in the closed loop (GB/T 30428: register → dispatch → handle → report
/// back → verify → close, then the 12345 callback), with the detours' states.
public enum CaseState: String, Sendable, Codable, CaseIterable {
    /// Filed, waiting for the command center to register it (上报待受理).
    case reported
    /// Registered (立案), waiting to be dispatched; also where a returned case (退单) lands.
    case registered
    /// Sent to a handling department (已派遣), not yet accepted.
    case dispatched
    /// The department works on it (处置中); rework after a failed verification comes back here.
    case handling
    /// The department reported the result (已反馈); waiting for the inspector's check.
    case reportedBack
    /// Verified on site and closed (已结案); the callback follows.
    case closed
    /// Cannot be solved now: parked with an approved reason (挂账); leaves the indicators' denominators.
    case parked
    /// Not a case (duplicate call, outside the city's remit): refused at registration (不予立案).
    case rejected
    /// Joined to another case that carries the outcome for every reporter.
    case merged
    /// An emergency handed off at once to 110, 119 or 120 (转警).
    case handedOff

    public var labelZh: String {
        switch self {
        case .reported: "待受理"
        case .registered: "已立案"
        case .dispatched: "已派遣"
        case .handling: "处置中"
        case .reportedBack: "已反馈"
        case .closed: "已结案"
        case .parked: "挂账"
        case .rejected: "不予立案"
        case .merged: "已合并"
        case .handedOff: "已转警"
        }
    }

    /// Whether the case still asks something of someone (open cases are offered as duplicates).
    public var isOpen: Bool {
        switch self {
        case .reported, .registered, .dispatched, .handling, .reportedBack: true
        case .closed, .parked, .rejected, .merged, .handedOff: false
        }
    }
}

/// What someone does to a case: each is its own API action, guarded by state, role and scope.
public enum CaseAction: String, Sendable, Codable, CaseIterable {
    case register
    case reject
    case dispatch
    case accept
    /// 退单: the department hands a wrongly dispatched case back to the dispatcher, with a reason.
    case `return`
    case reportBack
    case verify
    case callback
    case requestExtension
    case approveExtension
    case refuseExtension
    case requestPark
    case approvePark
    case refusePark
    case unpark
    /// 督办: the command center presses an overdue (or any open) case.
    case escalate
    case merge

    /// The states the action applies in.
    public var from: Set<CaseState> {
        switch self {
        case .register, .reject: [.reported]
        case .dispatch: [.registered, .dispatched]
        case .accept, .return: [.dispatched]
        case .reportBack: [.handling]
        case .verify: [.reportedBack]
        case .callback: [.closed]
        case .requestExtension, .requestPark: [.dispatched, .handling]
        case .approveExtension, .refuseExtension, .approvePark, .refusePark: [.dispatched, .handling]
        case .unpark: [.parked]
        case .escalate: [.registered, .dispatched, .handling, .reportedBack]
        case .merge: [.reported, .registered, .dispatched]
        }
    }

    /// Who may take it. The handling department's own staff are further limited to their cases
    /// (`CaseDesk` checks the organisation); every action needs the case within the caller's scope.
    /// The shift supervisor's approvals (值班长) are the command center operators'.
    public var roles: Set<Role> {
        switch self {
        case .register, .reject, .callback, .approveExtension, .refuseExtension, .approvePark, .refusePark, .unpark, .escalate, .merge:
            [.commandOperator]
        case .dispatch: [.dispatcher, .commandOperator]
        case .accept, .return, .reportBack, .requestExtension, .requestPark: [.departmentHandler]
        case .verify: [.inspector]
        }
    }

    /// The actions `caller` could take on a case in `state` dispatched to `organisationCode` with
    /// `pendingRequest` (`extension`, `park` or none) waiting: its state, the caller's roles, for
    /// the department's actions the caller's organisation, for requests and their approvals what
    /// is pending (one request at a time; an approval only of the request that waits), and one
    /// callback per closure (`calledBack`: the reporter was called back since it was closed).
    public static func allowed(for caller: Principal, state: CaseState, organisationCode: String?, pendingRequest: String?,
                               calledBack: Bool) -> [CaseAction] {
        allCases.filter { action in
            action.from.contains(state)
                && action.fits(pendingRequest)
                && !(action == .callback && calledBack)
                && (caller.roles.contains(.platformAdmin) || !caller.roles.isDisjoint(with: action.roles))
                && (!action.byHandlingDepartment || caller.roles.contains(.platformAdmin) || caller.organisationCode == organisationCode)
        }
    }

    /// Whether the action fits what is waiting for the shift supervisor.
    func fits(_ pending: String?) -> Bool {
        switch self {
        case .requestExtension, .requestPark: pending == nil
        case .approveExtension, .refuseExtension: pending == "extension"
        case .approvePark, .refusePark: pending == "park"
        default: true
        }
    }

    /// Whether only the department the case is dispatched to may take it.
    public var byHandlingDepartment: Bool { roles == [.departmentHandler] }

    public var labelZh: String {
        switch self {
        case .register: "立案"
        case .reject: "不予立案"
        case .dispatch: "派遣"
        case .accept: "签收"
        case .return: "退单"
        case .reportBack: "处置反馈"
        case .verify: "核查"
        case .callback: "回访"
        case .requestExtension: "申请延期"
        case .approveExtension: "批准延期"
        case .refuseExtension: "驳回延期"
        case .requestPark: "申请挂账"
        case .approvePark: "批准挂账"
        case .refusePark: "驳回挂账"
        case .unpark: "恢复处置"
        case .escalate: "督办"
        case .merge: "合并"
        }
    }
}

/// How a case came in.
public enum CaseChannel: String, Sendable, Codable, CaseIterable {
    /// A 12345 hotline operator taking a call.
    case hotline
    /// An inspector or grid worker in the field.
    case inspector
    /// A citizen on the portal.
    case citizen
    /// An Open311 client.
    case open311
    /// Another system by API key (the police feed, sensors).
    case system
}

/// The 12345 kinds of contact.
public enum HotlineKind: String, Sendable, Codable, CaseIterable {
    case consultation, help, complaint, report, suggestion, praise

    public var labelZh: String {
        switch self {
        case .consultation: "咨询"
        case .help: "求助"
        case .complaint: "投诉"
        case .report: "举报"
        case .suggestion: "建议"
        case .praise: "表扬"
        }
    }
}

/// How pressing a case is.
public enum CaseUrgency: String, Sendable, Codable, CaseIterable {
    case normal, urgent
    /// Life or property at risk: handed off at once where 110/119/120 take it, otherwise the
    /// shortest deadline.
    case emergency
}

/// Where an emergency is handed off.
public enum EmergencyLine: String, Sendable, Codable, CaseIterable {
    case police = "110"
    case fire = "119"
    case ambulance = "120"
}
