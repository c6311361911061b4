import SQLKit

/// `(first, second) IN (VALUES (?, ?), …)` for two-column keys (a distribution column and an
/// identifier): both engines look the pairs up by the primary key.
func keyMatch(_ columns: (String, String), _ pairs: some Collection<(String, String)>) -> SQLQueryString {
    // One key (every read of one record): plain equalities, simpler to plan on both engines.
    if pairs.count == 1, let pair = pairs.first {
        return SQLQueryString("(\(columns.0) = ") + "\(bind: pair.0) AND " + SQLQueryString("\(columns.1) = ") + "\(bind: pair.1))"
    }
    var query = SQLQueryString("(\(columns.0), \(columns.1)) IN (VALUES ")
    for (i, pair) in pairs.enumerated() {
        if i > 0 { query += ", " }
        query += "(\(bind: pair.0), \(bind: pair.1))"
    }
    return query + ")"
}
