import Cases
import CityCore
import Foundation
import Registry

/// How the workbench shows cases: times in China, deadline colours, action labels, the map snippet.
enum DeskViews {
    static let china = ChinaTime.zone

    /// A licence's last valid day (China time), or 长期 when it runs until revoked.
    static func validUntil(_ date: Date?) -> String {
        date.map(ChinaTime.day) ?? "长期 (no end)"
    }

    /// "11-26 14:05" (China time); with `year`, "2026-11-26 14:05".
    static func time(_ date: Date?, year: Bool = false) -> String {
        guard let date else { return "" }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = china
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let day = String(format: "%02d-%02d %02d:%02d", c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
        return year ? "\(c.year ?? 0)-" + day : day
    }

    /// The deadline's colour class and words: past it (red), warned or within 4 hours (amber),
    /// in time (green), or none (the case waits for nobody's deadline).
    static func deadline(_ c: Case, now: Date) -> (cls: String, zh: String, en: String) {
        guard let due = c.deadlineAt, c.state.isOpen, c.state != .reported else { return ("none", "—", "") }
        if c.overdueAt != nil || due <= now { return ("overdue", "已超期", "overdue") }
        if c.warnedAt != nil || due.timeIntervalSince(now) < 4 * 3600 { return ("soon", "即将到期", "due soon") }
        return ("ok", "正常", "in time")
    }

    static func stateEn(_ s: CaseState) -> String {
        switch s {
        case .reported: "reported"
        case .registered: "registered"
        case .dispatched: "dispatched"
        case .handling: "handling"
        case .reportedBack: "reported back"
        case .closed: "closed"
        case .parked: "parked"
        case .rejected: "rejected"
        case .merged: "merged"
        case .handedOff: "handed off"
        }
    }

    static func actionEn(_ a: CaseAction) -> String {
        switch a {
        case .register: "Register"
        case .reject: "Reject"
        case .dispatch: "Dispatch"
        case .accept: "Accept"
        case .return: "Return to dispatcher"
        case .reportBack: "Report back"
        case .verify: "Verify"
        case .callback: "Call back"
        case .requestExtension: "Request extension"
        case .approveExtension: "Approve extension"
        case .refuseExtension: "Refuse extension"
        case .requestPark: "Request parking"
        case .approvePark: "Approve parking"
        case .refusePark: "Refuse parking"
        case .unpark: "Resume"
        case .escalate: "Escalate"
        case .merge: "Merge into"
        }
    }

    /// Timeline actions that are not `CaseAction`s (intake, the scheduler).
    static func eventLabel(_ action: String) -> String {
        if let known = CaseAction(rawValue: action) { return "\(known.labelZh) \(actionEn(known))" }
        switch action {
        case "report": return "上报 Reported"
        case "warn": return "临期预警 Deadline warning"
        case "overdue": return "超期 Overdue"
        case "handOff": return "转警 Handed off"
        case "photo": return "补充照片 Photo added"
        case "close": return "结案 Closed"
        case "rework": return "返工 Rework"
        case "reopen": return "重新办理 Reopened"
        case "mergedFrom": return "并入案件 Case merged in"
        case "outcome": return "合并结果 Shared outcome"
        case "toldMerged": return "告知合并 Reporter told"
        default: return action
        }
    }

    /// What each action's form asks besides the note, and whether the note is required.
    static func form(for action: CaseAction) -> [String: Any] {
        var form: [String: Any] = ["name": action.rawValue, "labelZh": action.labelZh, "labelEn": actionEn(action)]
        switch action {
        case .dispatch: form["askOrganisation"] = true
        case .verify: form["askPassed"] = true; form["askPhotos"] = true
        case .reportBack: form["askPhotos"] = true; form["noteRequired"] = true
        case .callback: form["askCallback"] = true
        case .requestExtension: form["askLimit"] = true; form["noteRequired"] = true
        case .merge: form["askInto"] = true
        case .reject, .return, .requestPark: form["noteRequired"] = true
        default: break
        }
        return form
    }

    /// The active categories as `<optgroup>`s by major category, `chosen` selected; `include`
    /// picks which (the citizen portal leaves out the hotline's own families).
    static func categoryGroups(_ categories: [CaseCategory], chosen: String?, include: (CaseCategory) -> Bool = { _ in true }) -> [[String: Any]] {
        var groups: [(String, [[String: Any]])] = []
        for c in categories where include(c) {
            let option: [String: Any] = ["code": c.code, "name": c.name, "selected": c.code == chosen]
            if let last = groups.last, last.0 == c.majorName { groups[groups.count - 1].1.append(option) } else { groups.append((c.majorName, [option])) }
        }
        return groups.map { ["name": $0.0, "options": $0.1] }
    }

    /// One queue row.
    static func row(_ c: Case, now: Date, divisionNames: [String: String]) -> [String: Any] {
        let due = deadline(c, now: now)
        var row: [String: Any] = [
            "number": c.number, "state": c.state.rawValue, "stateZh": c.state.labelZh, "stateEn": stateEn(c.state),
            "category": c.categoryName ?? c.categoryCode, "categoryCode": c.categoryCode,
            "summary": String(c.description.prefix(40)) + (c.description.count > 40 ? "…" : ""),
            "place": c.address ?? divisionNames[c.divisionCode] ?? c.divisionCode,
            "reportedAt": time(c.reportedAt), "deadlineAt": time(c.deadlineAt),
            "dueClass": due.cls, "dueZh": due.zh, "dueEn": due.en, "urgent": c.urgency != .normal,
            "urgency": c.urgency.rawValue, "organisation": c.organisationCode ?? "—",
        ]
        if due.en.isEmpty { row["dueEn"] = nil }
        return row
    }
}

/// A small map around a point (about `radius` metres each way): its grid cell, the cameras
/// near it and the point, drawn in a local flat projection with a scale bar.
struct LocalMap {
    let values: [String: Any]

    init(center: GeoPoint, radius: Double = 400, size: Double = 320, cell: Grid?, cameras: [(camera: Camera, metres: Double)]) {
        let metresPerDegreeLat = 111_320.0
        let metresPerDegreeLon = 111_320.0 * cos(center.lat * .pi / 180)
        let scale = size / (2 * radius)
        func xy(_ p: GeoPoint) -> (Double, Double) {
            (size / 2 + (p.lon - center.lon) * metresPerDegreeLon * scale, size / 2 - (p.lat - center.lat) * metresPerDegreeLat * scale)
        }
        var cellPath = ""
        if let cell {
            cellPath = cell.boundary.rings.map { ring in
                ring.enumerated().map { i, p in let (x, y) = xy(p); return (i == 0 ? "M" : "L") + String(format: "%.1f,%.1f", x, y) }.joined() + "Z"
            }.joined()
        }
        let marks = cameras.compactMap { entry -> [String: String]? in
            let (x, y) = xy(entry.camera.point)
            guard (0...size).contains(x), (0...size).contains(y) else { return nil }
            return ["x": String(format: "%.1f", x - 4), "y": String(format: "%.1f", y - 4), "name": entry.camera.name, "code": entry.camera.code,
                    "state": entry.camera.online ? "online" : "offline"]
        }
        let bar = 100 * scale
        var values: [String: Any] = ["size": Int(size), "center": String(format: "%.1f", size / 2), "cellName": cell?.name ?? "", "cameras": marks,
                                      "barX2": String(format: "%.1f", 10 + bar), "barY": String(format: "%.1f", size - 12)]
        if !cellPath.isEmpty { values["cell"] = cellPath }
        self.values = values
    }
}
