import CityCore
import Foundation

/// The platform's own resources: the base registries and the cases, entered in the catalogue by
/// the platform itself with their short codes (`persons`, `entities`, `geography`, `cases`, `licences`).
public enum BuiltInResources {
    /// The big-data bureau runs the registries; the command center the cases.
    public static let registryProvider = "411600-BDB"
    public static let casesProvider = "411600-CMD"

    public static func all(at date: Date) -> [Resource] {
        func resource(_ code: String, _ short: String, _ name: String, _ en: String, provider: String, summary: String, kind: ResourceKind, key: String,
                      fields: [ResourceField], cycle: UpdateCycle, sharing: Sharing, basis: String?, openness: Openness, recordTypes: [String]) -> Resource {
            Resource(code: code, shortCode: short, name: name, nameEn: en, providerCode: provider, divisionCode: DivisionCode.zhoukou.rawValue, summary: summary,
                     kind: kind, keyField: key, divisionField: "divisionCode", fields: fields, updateCycle: cycle, sharing: sharing, sharingBasis: basis,
                     openness: openness, recordTypes: recordTypes, createdAt: date, updatedAt: date)
        }
        let personalBasis = "《中华人民共和国个人信息保护法》第十三条、第三十四条：国家机关为履行法定职责处理个人信息，不得超出履行法定职责所必需的范围和限度"
        return [
            resource("411600-BDB.R001", "persons", "自然人基础信息库", "Persons registry", provider: registryProvider,
                     summary: "全市居民的权威信息：公安、民政、卫健、人社等来源记录按字段优先级合成的标准记录", kind: .registry, key: "idNumber",
                     fields: [
                        ResourceField(name: "idNumber", title: "公民身份号码", type: .idNumber, sensitivity: .personal, required: true),
                        ResourceField(name: "name", title: "姓名", type: .string, sensitivity: .personal),
                        ResourceField(name: "sex", title: "性别", type: .string, sensitivity: .internal, required: true),
                        ResourceField(name: "birthDate", title: "出生日期", type: .date, sensitivity: .personal, required: true),
                        ResourceField(name: "phone", title: "联系电话", type: .phone, sensitivity: .personal),
                        ResourceField(name: "address", title: "居住地址", type: .string, sensitivity: .personal),
                        ResourceField(name: "divisionCode", title: "居住地行政区划", type: .divisionCode, sensitivity: .public, required: true),
                     ],
                     cycle: .realtime, sharing: .conditional, basis: personalBasis, openness: .closed, recordTypes: ["person"]),
            resource("411600-BDB.R002", "entities", "法人基础信息库", "Legal entities registry", provider: registryProvider,
                     summary: "全市企业、事业单位和社会组织的登记信息，按来源优先级合成", kind: .registry, key: "creditCode",
                     fields: [
                        ResourceField(name: "creditCode", title: "统一社会信用代码", type: .creditCode, sensitivity: .public, required: true),
                        ResourceField(name: "name", title: "名称", type: .string, sensitivity: .public),
                        ResourceField(name: "kind", title: "类型", type: .string, sensitivity: .public),
                        ResourceField(name: "legalRepIdNumber", title: "法定代表人身份证号", type: .idNumber, sensitivity: .personal),
                        ResourceField(name: "address", title: "住所", type: .string, sensitivity: .public),
                        ResourceField(name: "divisionCode", title: "所在行政区划", type: .divisionCode, sensitivity: .public),
                        ResourceField(name: "status", title: "登记状态", type: .string, sensitivity: .public),
                        ResourceField(name: "statusDate", title: "状态日期", type: .date, sensitivity: .public),
                        ResourceField(name: "businessScope", title: "经营范围", type: .string, sensitivity: .public),
                     ],
                     cycle: .realtime, sharing: .unconditional, basis: nil, openness: .open, recordTypes: ["entity"]),
            resource("411600-BDB.R003", "geography", "地理信息库（地址、视频点位、网格）", "Geography: addresses, cameras, grid cells", provider: registryProvider,
                     summary: "标准地址和兴趣点、视频监控点位、万米单元网格及其网格员", kind: .registry, key: "code",
                     fields: [
                        ResourceField(name: "layer", title: "图层（address/camera/grid）", type: .string, sensitivity: .public, required: true),
                        ResourceField(name: "code", title: "编码", type: .string, sensitivity: .public, required: true),
                        ResourceField(name: "name", title: "名称", type: .string, sensitivity: .public),
                        ResourceField(name: "divisionCode", title: "所在行政区划", type: .divisionCode, sensitivity: .public, required: true),
                        ResourceField(name: "kind", title: "类型", type: .string, sensitivity: .public),
                        ResourceField(name: "lon", title: "经度", type: .number, sensitivity: .internal),
                        ResourceField(name: "lat", title: "纬度", type: .number, sensitivity: .internal),
                        ResourceField(name: "ownerCode", title: "权属单位", type: .string, sensitivity: .internal),
                        ResourceField(name: "online", title: "是否在线", type: .boolean, sensitivity: .internal),
                        ResourceField(name: "worker", title: "网格员", type: .string, sensitivity: .internal),
                        ResourceField(name: "streamUrl", title: "视频流地址", type: .string, sensitivity: .secret),
                     ],
                     cycle: .daily, sharing: .unconditional, basis: nil, openness: .closed, recordTypes: ["address", "camera", "grid"]),
            resource("411600-CMD.C001", "cases", "城市运行事件（案件）", "Cases of the command center", provider: casesProvider,
                     summary: "12345 热线、网格员、市民和其他系统上报的案件，从登记到结案回访的全过程", kind: .cases, key: "number",
                     fields: [
                        ResourceField(name: "number", title: "案件编号", type: .string, sensitivity: .internal, required: true),
                        ResourceField(name: "channel", title: "来源渠道", type: .string, sensitivity: .internal, required: true),
                        ResourceField(name: "kind", title: "诉求类型", type: .string, sensitivity: .internal),
                        ResourceField(name: "categoryCode", title: "类别代码", type: .string, sensitivity: .internal, required: true),
                        ResourceField(name: "urgency", title: "紧急程度", type: .string, sensitivity: .internal),
                        ResourceField(name: "state", title: "状态", type: .string, sensitivity: .internal, required: true),
                        ResourceField(name: "description", title: "问题描述", type: .string, sensitivity: .internal),
                        ResourceField(name: "address", title: "地址", type: .string, sensitivity: .internal),
                        ResourceField(name: "lon", title: "经度", type: .number, sensitivity: .internal),
                        ResourceField(name: "lat", title: "纬度", type: .number, sensitivity: .internal),
                        ResourceField(name: "gridCode", title: "网格编码", type: .string, sensitivity: .internal),
                        ResourceField(name: "divisionCode", title: "所在行政区划", type: .divisionCode, sensitivity: .internal, required: true),
                        ResourceField(name: "organisationCode", title: "处置单位", type: .string, sensitivity: .internal),
                        ResourceField(name: "reporterPhone", title: "反映人电话", type: .phone, sensitivity: .personal),
                        ResourceField(name: "reportedAt", title: "上报时间", type: .string, sensitivity: .internal),
                        ResourceField(name: "deadlineAt", title: "处置时限", type: .string, sensitivity: .internal),
                        ResourceField(name: "closedAt", title: "结案时间", type: .string, sensitivity: .internal),
                        ResourceField(name: "satisfied", title: "是否满意", type: .boolean, sensitivity: .internal),
                     ],
                     cycle: .realtime, sharing: .conditional, basis: "《政务服务便民热线运行规范》（GB/T 42223）：诉求信息含反映人个人信息，按职责需要共享",
                     openness: .closed, recordTypes: ["case"]),
            resource("411600-BDB.L001", "licences", "电子证照库", "Licence library", provider: registryProvider,
                     summary: "各部门颁发的电子证照：证照标识、编号、类型、持证主体、有效期、状态和加盖电子印章的证照文本（JWS）", kind: .registry, key: "id",
                     fields: [
                        ResourceField(name: "id", title: "证照标识", type: .string, sensitivity: .public, required: true),
                        ResourceField(name: "number", title: "证照编号", type: .string, sensitivity: .public, required: true),
                        ResourceField(name: "type", title: "证照类型", type: .string, sensitivity: .public, required: true),
                        ResourceField(name: "issuerCode", title: "颁发单位", type: .string, sensitivity: .public, required: true),
                        ResourceField(name: "holderKind", title: "持证主体类型", type: .string, sensitivity: .public, required: true),
                        ResourceField(name: "holderId", title: "持证主体证件号码", type: .string, sensitivity: .personal, required: true),
                        ResourceField(name: "holderName", title: "持证主体名称", type: .string, sensitivity: .personal, required: true),
                        ResourceField(name: "divisionCode", title: "所在行政区划", type: .divisionCode, sensitivity: .public, required: true),
                        ResourceField(name: "validFrom", title: "有效期起", type: .string, sensitivity: .public),
                        ResourceField(name: "validUntil", title: "有效期至", type: .string, sensitivity: .public),
                        ResourceField(name: "status", title: "状态", type: .string, sensitivity: .public, required: true),
                        ResourceField(name: "statusReason", title: "状态原因", type: .string, sensitivity: .internal),
                        ResourceField(name: "issuedAt", title: "颁发时间", type: .string, sensitivity: .public),
                        ResourceField(name: "jws", title: "证照文本（JWS，含持证主体信息）", type: .string, sensitivity: .personal),
                     ],
                     cycle: .realtime, sharing: .conditional, basis: personalBasis, openness: .closed, recordTypes: ["licence"]),
        ]
    }
}
