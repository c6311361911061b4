import Foundation

/// The golden-record rule both registries use, over any sources and fields: each source's current
/// record is its most recent; each field takes its value from the first source in that field's
/// priority list that has one; the sources whose current record holds a different value are listed
/// as disagreeing (in the sources' declared order).
enum GoldenMerge {
    struct Chosen<Source> {
        let value: String
        let source: Source
        let receivedAt: Date
        let disagreeing: [Source]
    }

    /// `records`: every record of one subject, any order. Fields no source has are left out.
    static func merge<Source: Hashable & CaseIterable, Field: Hashable & CaseIterable>(
        _ records: [(source: Source, receivedAt: Date, values: [Field: String])], priority: [Field: [Source]]
    ) -> (fields: [Field: Chosen<Source>], sources: [Source]) {
        var current: [Source: (receivedAt: Date, values: [Field: String])] = [:]
        for record in records {
            if let held = current[record.source], held.receivedAt >= record.receivedAt { continue }
            current[record.source] = (record.receivedAt, record.values)
        }
        var fields: [Field: Chosen<Source>] = [:]
        for field in Field.allCases {
            let order = priority[field] ?? Array(Source.allCases)
            guard let chosen = order.first(where: { current[$0]?.values[field] != nil }), let held = current[chosen], let value = held.values[field] else { continue }
            let disagreeing = Source.allCases.filter { source in
                guard source != chosen, let other = current[source]?.values[field] else { return false }
                return other != value
            }
            fields[field] = Chosen(value: value, source: chosen, receivedAt: held.receivedAt, disagreeing: disagreeing)
        }
        return (fields, Source.allCases.filter { current[$0] != nil })
    }
}
