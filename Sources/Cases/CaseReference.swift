import CityCore
import Foundation
import Identity

/// The categories and rules a new city starts with. Every one is data an operator edits
/// afterwards; none is read by logic.
public enum CaseReference {
    /// The component (部件, family 1) and event (事件, family 2) codes: family, major category and
    /// subcategory, five digits (`10101` 上水井盖). Taken from a deployed system's table
    /// (../shared/reference/cases.md, "Category codes seen in deployed systems"), to be checked
    /// against GB/T 30428.2's own text before it is frozen; the 12345 hotline's own categories
    /// (family 3) are a local addition.
    static let table: [(major: String, family: String, majorName: String, subcategories: [(String, String)])] = [
        ("101", "component", "公用设施", [("01", "上水井盖"), ("02", "污水井盖"), ("03", "雨水井盖"), ("04", "雨水箅子"), ("05", "电力井盖"), ("06", "路灯井盖"), ("07", "电信井盖"), ("08", "有线电视井盖"), ("09", "网络井盖"), ("10", "热力井盖"), ("11", "燃气井盖"), ("12", "公安井盖"), ("13", "消防设施"), ("14", "不明井盖"), ("15", "电信交接箱"), ("16", "电力设施"), ("17", "电杆"), ("18", "路灯"), ("19", "地灯"), ("20", "射灯"), ("21", "报刊亭"), ("22", "电话亭"), ("23", "邮筒"), ("24", "信息亭"), ("25", "自动售货亭"), ("26", "健身设施")]),
        ("102", "component", "道路交通", [("01", "停车场"), ("02", "停车咪表"), ("03", "公交站亭"), ("04", "出租车站牌"), ("05", "过街天桥"), ("06", "地下通道"), ("07", "高架立交桥"), ("08", "跨河桥"), ("09", "交通标志牌"), ("10", "交通控制箱"), ("11", "交通护栏"), ("12", "存车支架"), ("13", "路名牌"), ("14", "交通信号灯")]),
        ("103", "component", "市容环境", [("01", "公共厕所"), ("02", "公厕化粪池"), ("03", "公厕指示牌"), ("04", "垃圾间"), ("05", "垃圾箱"), ("06", "灯箱霓虹灯"), ("07", "广告牌匾"), ("08", "环境监测塔")]),
        ("104", "component", "园林绿化", [("01", "古树名木"), ("02", "行道树"), ("03", "树池箅子"), ("04", "花架花钵"), ("05", "绿地"), ("06", "雕塑"), ("07", "街头座椅")]),
        ("105", "component", "房屋土地", [("01", "宣传栏"), ("02", "人防工事"), ("03", "公房地下室")]),
        ("201", "event", "市容环境", [("01", "新增建筑"), ("02", "暴露垃圾"), ("03", "积存垃圾渣土"), ("04", "道路保洁"), ("05", "河道保洁"), ("06", "绿地保洁"), ("07", "废弃车辆"), ("08", "废弃家具设备"), ("09", "非装饰性树挂"), ("10", "清扫作业二次污染"), ("11", "道路积水"), ("12", "积雪结冰")]),
        ("202", "event", "宣传广告", [("01", "非法张贴小广告"), ("02", "违章张贴悬挂广告牌匾"), ("03", "占道广告牌"), ("04", "街头散发小广告"), ("05", "临时性标语宣传品损毁")]),
        ("203", "event", "施工管理", [("01", "施工扰民"), ("02", "工地扬尘"), ("03", "无证消纳渣土"), ("04", "道路遗撒"), ("05", "施工废弃料"), ("06", "道路破损"), ("07", "施工工地未围挡")]),
        ("204", "event", "突发事件", [("01", "路面塌陷"), ("02", "自来水管破裂"), ("03", "燃气管道破裂"), ("04", "下水道堵塞"), ("11", "火灾")]),
        ("205", "event", "街面秩序", [("01", "无照经营游商"), ("02", "流浪乞讨"), ("03", "占道废品收购"), ("04", "店外经营"), ("05", "机动车乱停放"), ("06", "非机动车乱停放"), ("07", "乱堆物堆料"), ("08", "商业噪音"), ("09", "黑车拉客"), ("10", "露天烧烤")]),
        ("301", "hotline", "政务服务", [("01", "政策咨询"), ("02", "办事指南"), ("03", "投诉举报"), ("04", "意见建议")]),
        ("302", "hotline", "民生诉求", [("01", "供水"), ("02", "供电"), ("03", "供气"), ("04", "供暖"), ("05", "物业管理"), ("06", "噪音扰民")]),
    ]

    /// Every seeded category.
    public static var categories: [CaseCategory] {
        table.flatMap { major in
            major.subcategories.map { sub, name in
                CaseCategory(code: major.major + sub, family: major.family, major: major.major, name: name, majorName: major.majorName)
            }
        }
    }

    /// The default handling limits (documented in the README), from the most general to the most
    /// specific: the rule that matches a case most specifically applies (urgency, then hotline
    /// kind, then the longest category prefix).
    /// - any case: 3 working days; components: 3 working days; events: 8 working hours;
    ///   emergencies (突发事件, 204): 2 hours day and night;
    /// - hotline kinds: consultation 1 working day, help 3, complaint and report 15, suggestion
    ///   15, praise 5 (12345 practice);
    /// - urgency: urgent 4 working hours, emergency 2 hours day and night.
    public static let deadlineRules: [DeadlineRule] = [
        DeadlineRule(limit: TimeLimit(3, .workingDays)),
        DeadlineRule(categoryPrefix: "1", limit: TimeLimit(3, .workingDays)),
        DeadlineRule(categoryPrefix: "2", limit: TimeLimit(8, .workingHours)),
        DeadlineRule(categoryPrefix: "204", limit: TimeLimit(2, .hours)),
        DeadlineRule(kind: HotlineKind.consultation.rawValue, limit: TimeLimit(1, .workingDays)),
        DeadlineRule(kind: HotlineKind.help.rawValue, limit: TimeLimit(3, .workingDays)),
        DeadlineRule(kind: HotlineKind.complaint.rawValue, limit: TimeLimit(15, .workingDays)),
        DeadlineRule(kind: HotlineKind.report.rawValue, limit: TimeLimit(15, .workingDays)),
        DeadlineRule(kind: HotlineKind.suggestion.rawValue, limit: TimeLimit(15, .workingDays)),
        DeadlineRule(kind: HotlineKind.praise.rawValue, limit: TimeLimit(5, .workingDays)),
        DeadlineRule(urgency: CaseUrgency.urgent.rawValue, limit: TimeLimit(4, .workingHours)),
        DeadlineRule(urgency: CaseUrgency.emergency.rawValue, limit: TimeLimit(2, .hours)),
    ]
}

extension CaseCatalogue {
    /// Seeds the categories and deadline rules when there are none, and the routing rules given
    /// (each county's components and events to its city management bureau, say). Idempotent.
    public func seed(routing: [RoutingRule], by caller: Principal) async throws {
        if try await categories(includeInactive: true).isEmpty { try await upsert(CaseReference.categories, by: caller) }
        if try await deadlineRules().isEmpty { try await setDeadlineRules(CaseReference.deadlineRules, by: caller) }
        if try await routingRules().isEmpty, !routing.isEmpty { try await setRoutingRules(routing, by: caller) }
    }
}
