import CityCore
import CityStore
import Foundation
import Identity

/// Synthetic residents for trying the registry at the city's scale: valid ID numbers (check
/// characters per GB 11643), births spread over ages 0-95, sex from the sequence digit, surnames
/// by their national frequency, residence counties in proportion to population. Deterministic
/// for a seed, so a file can be regenerated exactly. Demo data only: no real person is described.
public struct PersonGenerator {
    /// The twenty commonest surnames with their approximate national shares in per mille (Ministry
    /// of Public Security name statistics, 2020), and a tail of less common ones sharing the rest.
    static let surnames: [(String, Int)] = [
        ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 21), ("赵", 20), ("吴", 19), ("周", 18),
        ("徐", 15), ("孙", 14), ("马", 13), ("朱", 12), ("胡", 12), ("郭", 11), ("何", 11), ("林", 10), ("高", 10), ("罗", 9),
    ]
    static let tail = Array("郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
    static let givenCharacters = Array("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文辉鑫宇浩然子涵欣怡梓萱一诺佳琪俊杰思远晨曦雨桐")
    /// Residence counties with approximate shares of the city's population in per mille (2020
    /// census, rounded: replace with the statistics bureau's figures for planning).
    static let counties: [(String, Int)] = [
        ("411602", 115), ("411603", 122), ("411621", 70), ("411622", 83), ("411623", 99),
        ("411624", 104), ("411625", 111), ("411627", 120), ("411628", 97), ("411681", 79),
    ]
    static let streets = ["七一路", "八一大道", "交通路", "中州大道", "工农路", "建设大道", "文昌大道", "太昊路", "汉阳路", "富民路"]

    private var generator: SplitMix64
    private var issued: Set<UInt64> = []

    public init(seed: UInt64) {
        generator = SplitMix64(seed: seed)
    }

    private mutating func random(_ bound: Int) -> Int {
        generator.below(bound)
    }

    private mutating func weighted(_ table: [(String, Int)], total: Int) -> String? {
        var pick = random(total)
        for (value, weight) in table {
            if pick < weight { return value }
            pick -= weight
        }
        return nil
    }

    /// One resident as a CSV line (without line end) of `PersonRow.columns`, born no later than `today`.
    public mutating func nextCSVLine(today: Date) -> String {
        let county = weighted(Self.counties, total: 1_000) ?? "411602"
        // Most were first registered where they live; some elsewhere in Henan or beyond.
        let registration = random(10) < 8 ? county : ["410102", "410202", "411102", "110105", "440305"][random(5)]
        let year = Calendar(identifier: .gregorian).component(.year, from: today) - 1 - random(95)
        let month = 1 + random(12)
        let day = 1 + random(ResidentID.days(inMonth: month, year: year))
        var id: ResidentID
        repeat {
            let body = String(format: "%@%04d%02d%02d%03d", registration, year, month, day, random(1000))
            id = ResidentID(body + String(ResidentID.checkCharacter(body)))!
        } while !issued.insert(id.digits).inserted
        let male = id.sex == .male
        let surname = weighted(Self.surnames, total: 1_000) ?? String(Self.tail[random(Self.tail.count)])
        var given = String(Self.givenCharacters[random(Self.givenCharacters.count)])
        if random(10) < 7 { given.append(Self.givenCharacters[random(Self.givenCharacters.count)]) }
        let phone = "1" + String(Array("3456789")[random(7)]) + String(format: "%09d", random(1_000_000_000))
        let address = "周口市\(Self.streets[random(Self.streets.count)])\(1 + random(300))号"
        return "\(id.rawValue),\(surname)\(given),\(male ? "male" : "female"),\(String(format: "%04d-%02d-%02d", year, month, day)),\(phone),\(address),\(county)"
    }
}

extension PersonRegistry {
    /// Loads `count` generated residents as the public-security bureau's records (origin
    /// "demo (generated)"), in batches; idempotent for the same seed (a second run changes nothing).
    public func seedDemo(count: Int, seed: UInt64 = 411_600, today: Date, by caller: Principal, audit: AuditOrigin) async throws -> PersonImportCounts {
        var generator = PersonGenerator(seed: seed)
        var counts = PersonImportCounts()
        var remaining = count
        while remaining > 0 {
            let n = min(remaining, 5_000)
            remaining -= n
            let records = (0..<n).compactMap { _ -> PersonSourceRecord? in
                let values = Dictionary(uniqueKeysWithValues: zip(PersonRow.columns, generator.nextCSVLine(today: today).split(separator: ",").map(String.init)))
                return try? PersonRow.record(values, source: .publicSecurity, receivedAt: today, scope: .city, today: today).get()
            }
            counts += try await load(records, origin: DemoGeography.source, by: caller, audit: audit)
        }
        return counts
    }
}
