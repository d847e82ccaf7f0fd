/// Runs `work` over `items` on `width` concurrent workers, each with its own state, and hands the
/// results to `emit` in input order as soon as each prefix is complete.
enum OrderedWorkers {
    static func run<Item: Sendable, State, Output: Sendable>(
        _ items: [Item],
        width: Int,
        makeState: @escaping @Sendable () -> State,
        work: @escaping @Sendable (inout State, Item) -> Output,
        emit: (Output) -> Void
    ) async {
        let queue = IndexQueue(count: items.count)
        await withTaskGroup(of: Void.self) { group in
            let inbox = ResultInbox<Output>()
            for _ in 0..<max(1, min(width, items.count)) {
                group.addTask {
                    var state = makeState()
                    while let index = await queue.next() {
                        await inbox.put(index, work(&state, items[index]))
                    }
                }
            }
            var nextToEmit = 0
            while nextToEmit < items.count {
                for output in await inbox.take(from: nextToEmit) {
                    emit(output)
                    nextToEmit += 1
                }
            }
            await group.waitForAll()
        }
    }
}

private actor IndexQueue {
    private var next_ = 0
    private let count: Int
    init(count: Int) { self.count = count }
    func next() -> Int? {
        guard next_ < count else { return nil }
        defer { next_ += 1 }
        return next_
    }
}

/// Results by index; `take` waits until the one at `from` exists, then returns the run after it.
private actor ResultInbox<Output: Sendable> {
    private var results: [Int: Output] = [:]
    private var waiter: (index: Int, continuation: CheckedContinuation<Void, Never>)?

    func put(_ index: Int, _ output: Output) {
        results[index] = output
        if let waiting = waiter, waiting.index == index {
            waiter = nil
            waiting.continuation.resume()
        }
    }

    func take(from index: Int) async -> [Output] {
        if results[index] == nil {
            await withCheckedContinuation { waiter = (index, $0) }
        }
        var run: [Output] = []
        var i = index
        while let output = results.removeValue(forKey: i) {
            run.append(output)
            i += 1
        }
        return run
    }
}
