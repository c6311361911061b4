import CityCore

/// The Cases module's errors. Codes are `cases.*`.
public enum CasesError: CityError, Equatable {
    case invalidField(String, zh: String, en: String)
    /// No case with that number within the caller's scope (outside it is answered the same).
    case unknownCase
    /// The action does not apply in the case's state; says which do.
    case wrongState(action: CaseAction, state: CaseState, allowed: [CaseAction])
    /// Only the department the case is dispatched to may take the action.
    case notTheHandlingDepartment
    /// An extension or parking is already waiting for approval, or none is.
    case requestPending(String)
    case noRequestPending
    /// The category is unknown or not in use.
    case unknownCategory(String)
    /// No organisation with that code.
    case unknownOrganisation(String)
    /// The place lies outside the city.
    case outsideCity
    /// An attachment that is not a JPEG, PNG or WebP image by its bytes, or too large.
    case badAttachment(zh: String, en: String)
    /// A case cannot be merged into itself, a closed case or a merged one.
    case badMerge(zh: String, en: String)
    /// No photo is taken at the case's step from this caller (or the step has its 9).
    case photoNotNow(CaseState)
    /// The reporter was already called back since the case was closed.
    case alreadyCalledBack

    public var code: String {
        switch self {
        case .invalidField: "cases.invalid-field"
        case .unknownCase: "cases.unknown-case"
        case .wrongState: "cases.wrong-state"
        case .notTheHandlingDepartment: "cases.not-the-handling-department"
        case .requestPending: "cases.request-pending"
        case .noRequestPending: "cases.no-request-pending"
        case .unknownCategory: "cases.unknown-category"
        case .unknownOrganisation: "cases.unknown-organisation"
        case .outsideCity: "cases.outside-city"
        case .badAttachment: "cases.bad-attachment"
        case .badMerge: "cases.bad-merge"
        case .photoNotNow: "cases.photo-not-now"
        case .alreadyCalledBack: "cases.already-called-back"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .invalidField, .badAttachment: .invalidInput
        case .unknownCase: .notFound
        case .wrongState, .requestPending, .noRequestPending, .badMerge, .photoNotNow, .alreadyCalledBack: .conflict
        case .notTheHandlingDepartment: .forbidden
        case .unknownCategory, .unknownOrganisation, .outsideCity: .unprocessable
        }
    }

    public var field: String? {
        switch self {
        case .invalidField(let field, _, _): field
        case .unknownCategory: "categoryCode"
        case .unknownOrganisation: "organisationCode"
        case .outsideCity: "location"
        case .badAttachment: "photos"
        case .badMerge: "into"
        default: nil
        }
    }

    public var messageZh: String {
        switch self {
        case .invalidField(_, let zh, _): zh
        case .unknownCase: "在您的权限范围内没有该编号的案件"
        case .wrongState(let action, let state, let allowed):
            "案件当前状态为「\(state.labelZh)」，不能\(action.labelZh)；可以：\(allowed.isEmpty ? "无" : allowed.map(\.labelZh).joined(separator: "、"))"
        case .notTheHandlingDepartment: "只有承办该案件的部门可以办理此操作"
        case .requestPending(let what): "已有待审批的\(what == "park" ? "挂账" : "延期")申请"
        case .noRequestPending: "没有待审批的申请"
        case .unknownCategory(let code): "案件类别 \(code) 不存在或已停用"
        case .unknownOrganisation(let code): "机构 \(code) 不存在"
        case .outsideCity: "该位置不在本市范围内"
        case .badAttachment(let zh, _): zh
        case .badMerge(let zh, _): zh
        case .alreadyCalledBack: "该案件结案后已回访，不能重复回访"
        case .photoNotNow(let state): "案件当前状态为「\(state.labelZh)」，您不能在此环节添加照片（或本环节已有 \(Photo.maxCount) 张）"
        }
    }

    public var messageEn: String {
        switch self {
        case .invalidField(_, _, let en): en
        case .unknownCase: "No case with that number within your scope"
        case .wrongState(let action, let state, let allowed):
            "The case is \(state.rawValue): \(action.rawValue) does not apply; allowed now: \(allowed.isEmpty ? "none" : allowed.map(\.rawValue).joined(separator: ", "))"
        case .notTheHandlingDepartment: "Only the department the case is dispatched to may do this"
        case .requestPending(let what): "A \(what) request is already waiting for approval"
        case .noRequestPending: "No request is waiting for approval"
        case .unknownCategory(let code): "Case category \(code) does not exist or is not in use"
        case .unknownOrganisation(let code): "Organisation \(code) does not exist"
        case .outsideCity: "The place lies outside the city"
        case .badAttachment(_, let en): en
        case .badMerge(_, let en): en
        case .alreadyCalledBack: "The reporter was already called back since the case was closed"
        case .photoNotNow(let state): "The case is \(state.rawValue): you add no photo at this step (or the step has its \(Photo.maxCount))"
        }
    }
}
