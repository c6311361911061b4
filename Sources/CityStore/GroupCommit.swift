import Foundation

/// Group commit: inputs submitted at the same moment by many tasks of this process are written
/// together by one call of `write`, and each caller is answered only after that call returned (its
/// work committed) or with the error that stopped it, so nothing acknowledged is lost.
///
/// The first caller into an idle group leads: it writes its own input with every input waiting,
/// hands the lead to the first caller that arrived meanwhile, then answers its batch's callers (so
/// the next batch does not queue behind those answers). No task of its own runs between a caller
/// and its commit; alone, a caller writes at once.
final class GroupCommit<Input: Sendable, Output: Sendable>: @unchecked Sendable {
    private enum Turn { case done(Output), lead }
    private typealias Waiter = (input: Input, continuation: CheckedContinuation<Turn, any Error>)

    private let mutex = NSLock()
    private var pending: [Waiter] = []
    /// Whether a caller leads (writes a batch) now.
    private var leading = false
    private let maxBatch: Int
    /// Writes a batch; returns one output per input, in order.
    private let write: @Sendable ([Input]) async throws -> [Output]

    init(maxBatch: Int, write: @escaping @Sendable ([Input]) async throws -> [Output]) {
        self.maxBatch = maxBatch
        self.write = write
    }

    func submit(_ input: Input) async throws -> Output {
        let turn: Turn = try await withCheckedThrowingContinuation { continuation in
            let lead: Bool = mutex.withLock {
                if leading {
                    pending.append((input, continuation))
                    return false
                }
                leading = true
                return true
            }
            if lead { continuation.resume(returning: .lead) }
        }
        switch turn {
        case .done(let output):
            return output
        case .lead:
            return try await lead(with: input)
        }
    }

    /// Writes `own` with the inputs waiting, hands the lead to the first caller that arrived
    /// meanwhile, then answers the batch's callers.
    private func lead(with own: Input) async throws -> Output {
        let others: [Waiter] = mutex.withLock {
            let batch = Array(pending.prefix(maxBatch - 1))
            pending.removeFirst(batch.count)
            return batch
        }
        let result: Result<[Output], any Error>
        do {
            result = .success(try await write([own] + others.map(\.input)))
        } catch {
            result = .failure(error)
        }
        // The next leader first: resumed tasks run in the order they were resumed, and the next
        // batch should not wait behind the answers to this one.
        let next: Waiter? = mutex.withLock {
            if pending.isEmpty {
                leading = false
                return nil
            }
            return pending.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        switch result {
        case .success(let outputs):
            for (waiter, output) in zip(others, outputs.dropFirst()) { waiter.continuation.resume(returning: .done(output)) }
        case .failure(let error):
            for waiter in others { waiter.continuation.resume(throwing: error) }
        }
        return try result.get()[0]
    }
}
