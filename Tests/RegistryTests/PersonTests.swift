import CityCore
import Foundation
@testable import Registry
import Testing

@Suite("Persons: ID number reasons, contradictions, golden records")
struct PersonTests {
    static let today = ISO8601DateFormatter().date(from: "2026-11-25T00:00:00Z")!
    static func id(_ text: String) -> ResidentID { try! ResidentID.checked(text, today: today) }
    static func at(_ day: Int) -> Date { Date(timeIntervalSince1970: 1_790_000_000 + Double(day) * 86_400) }

    @Test("a golden record's stored provenance keeps its exact text: fields sorted, dates to the millisecond, none for the number itself, disagreeing sources in order")
    func provenanceText() {
        let a = Date(timeIntervalSince1970: 1_790_000_000.25), b = Date(timeIntervalSince1970: 1_790_086_400)
        let person = Person(idNumber: Self.id("411602198506126153"), fields: [
            .name: GoldenValue(value: "张伟", source: .publicSecurity, receivedAt: a, disagreeing: [.health]),
            .sex: GoldenValue(value: "male", source: .publicSecurity, receivedAt: .distantPast, disagreeing: []),
            .phone: GoldenValue(value: "13900005678", source: .health, receivedAt: b, disagreeing: [.publicSecurity, .hrss]),
            .address: GoldenValue(value: "七一路1号", source: .publicSecurity, receivedAt: a, disagreeing: []),
        ], sources: [.publicSecurity, .health])
        // The text a changed import compares with what is stored: a new form would count every person as changed.
        #expect(StoredGolden.provenanceJSON(person) == """
            {"address":{"source":"public-security","receivedAt":"2026-09-21T14:13:20.250Z","disagreeing":[]},\
            "name":{"source":"public-security","receivedAt":"2026-09-21T14:13:20.250Z","disagreeing":["health"]},\
            "phone":{"source":"health","receivedAt":"2026-09-22T14:13:20.000Z","disagreeing":["public-security","hrss"]},\
            "sex":{"source":"public-security","receivedAt":null,"disagreeing":[]}}
            """)
    }

    @Test("an invalid ID number is refused with the exact reason")
    func reasons() {
        #expect(throws: ResidentID.Problem.checkCharacter(expected: "3", found: "0")) { try ResidentID.checked("411602198506126150", today: Self.today) }
        #expect(throws: ResidentID.Problem.impossibleBirthDate("2001-02-30")) { try ResidentID.checked("411681200102301432", today: Self.today) }
        #expect(throws: ResidentID.Problem.length(17)) { try ResidentID.checked("41160219850612615", today: Self.today) }
        #expect(throws: ResidentID.Problem.characters) { try ResidentID.checked("4116021985061261A3", today: Self.today) }
        let valid = Self.id("11010519491231002x")
        #expect(valid.rawValue == "11010519491231002X" && valid.birthDate == "1949-12-31" && valid.sex == .female && valid.registrationDivision == "110105")
        #expect(Self.id("411602198506126153").sex == .male)
        // A check character right but a birth after today: named as such.
        let future = "411602202701011238"
        #expect(throws: ResidentID.Problem.futureBirthDate("2027-01-01")) { try ResidentID.checked(future, today: Self.today) }
    }

    @Test("a source row whose birth date or sex contradicts its number is rejected with the reason")
    func contradictions() {
        let row = PersonSourceRecord(idNumber: Self.id("411602198506126153"), source: .health, receivedAt: Self.at(0),
                                     values: [.name: "张伟", .birthDate: "1985-06-13", .sex: "female"])
        #expect(row.contradictions.count == 2)
        #expect(row.contradictions[0].contains("1985-06-12") && row.contradictions[1].contains("male"))
        let fine = PersonSourceRecord(idNumber: Self.id("411602198506126153"), source: .health, receivedAt: Self.at(0),
                                      values: [.name: "张伟", .birthDate: "1985-06-12", .sex: "male"])
        #expect(fine.contradictions.isEmpty)
    }

    @Test("the golden record takes each field from its priority source, the newest record of each source, and names who disagrees")
    func golden() throws {
        let person = Self.id("411602198506126153")
        let records = [
            PersonSourceRecord(idNumber: person, source: .publicSecurity, receivedAt: Self.at(1),
                               values: [.name: "张伟", .address: "川汇区七一路 1 号", .divisionCode: "411602", .phone: "13800000001"]),
            PersonSourceRecord(idNumber: person, source: .health, receivedAt: Self.at(2), values: [.name: "张玮", .phone: "13800000002"]),
            // Health's newer record replaces its older one.
            PersonSourceRecord(idNumber: person, source: .health, receivedAt: Self.at(5), values: [.name: "张伟", .phone: "13800000003"]),
            PersonSourceRecord(idNumber: person, source: .hrss, receivedAt: Self.at(3), values: [.address: "川汇区人民路 9 号", .phone: "13800000003"]),
        ]
        let golden = try #require(GoldenRecordRules.merge(records))
        #expect(golden.sources == [.publicSecurity, .health, .hrss])
        #expect(golden.fields[.name]?.value == "张伟" && golden.fields[.name]?.source == .publicSecurity && golden.fields[.name]?.disagreeing == [])
        #expect(golden.fields[.address]?.value == "川汇区七一路 1 号" && golden.fields[.address]?.disagreeing == [.hrss])
        // Contact details: health, the service people use most, wins; public security's older number disagrees.
        #expect(golden.fields[.phone]?.value == "13800000003" && golden.fields[.phone]?.source == .health
                && golden.fields[.phone]?.receivedAt == Self.at(5) && golden.fields[.phone]?.disagreeing == [.publicSecurity])
        // No source sent sex or birth date: the number itself says.
        #expect(golden.fields[.sex]?.value == "male" && golden.fields[.birthDate]?.value == "1985-06-12")
        #expect(GoldenRecordRules.merge([]) == nil)
    }
}
