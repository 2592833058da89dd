// Runs the Swift binding tests (as the iOS app calls the library).
//
//   LD_LIBRARY_PATH=<dir of libnephro_ffi.so> ./tests \
//       [--shared-conformance DIR] [--next-conformance DIR] [--repo-conformance DIR] [--filter TEXT]
//       [--relay URL]
//
// With --relay, the live relay flow (LiveRelayTest.swift) runs against that relay instead of
// the tests (scripts/test-relay.sh starts one).
// The conformance directories default to $NEPHRO_SHARED_CONFORMANCE,
// $NEPHRO_SHARED_CONFORMANCE_NEXT and $NEPHRO_REPO_CONFORMANCE.
// Every check helper call is one check; a failed check is recorded and the test goes on, an
// error thrown out of a test fails that test. Prints `swift: N checks passed in M tests`, or
// every failure and exits 1.
//
// To add tests: write `func myThing() throws` functions in a new `<Name>Test.swift`, list them
// there in `let <name>Tests: [NamedTest] = [("myThing", myThing), ...]`, and add that list to
// `allTests` below (one line).

import Foundation

let allTests: [NamedTest] = [
    diagnosticsTests,
    diaryTests,
    dipstickTests,
    doseConformanceTests,
    exportTests,
    growthTests,
    relapseTests,
    labsTests,
    medicineTests,
    remindersTests,
    shareTests,
    taperTests,
    trustFilesTests,
    trustValuesTests,
].flatMap { $0 }

/// A test function with the name it is reported under.
typealias NamedTest = (name: String, run: () throws -> Void)

/// Check counting and failures.
enum Checks {
    static var count = 0
    static var failures: [String] = []
    static var currentTest = "?"

    @discardableResult
    static func record(_ ok: Bool, _ what: String, _ detail: @autoclosure () -> String = "") -> Bool {
        count += 1
        if !ok {
            let d = detail()
            failures.append("\(currentTest): " + (d.isEmpty ? what : "\(what): \(d)"))
        }
        return ok
    }
}

/// Passes when `condition` holds.
@discardableResult
func check(_ condition: Bool, _ what: String) -> Bool {
    Checks.record(condition, what)
}

/// Passes when `actual == expected`.
@discardableResult
func checkEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: String) -> Bool {
    Checks.record(actual == expected, what, "got \(actual), expected \(expected)")
}

/// Passes when two numbers differ by at most `tolerance`.
@discardableResult
func checkClose(_ actual: Double?, _ expected: Double, _ what: String, tolerance: Double = 1e-6) -> Bool {
    let ok = actual.map { $0.isFinite && abs($0 - expected) <= tolerance } ?? false
    return Checks.record(ok, what, "got \(String(describing: actual)), expected \(expected) within \(tolerance)")
}

/// Passes when `body` throws an error for which `matches` is true; returns that error.
@discardableResult
func checkThrows<T>(_ what: String, _ body: () throws -> T, where matches: (Error) -> Bool = { _ in true }) -> Error? {
    do {
        let value = try body()
        Checks.record(false, what, "returned \(value), expected an error")
        return nil
    } catch {
        return Checks.record(matches(error), what, "threw \(error)") ? error : nil
    }
}

/// Passes when `body` throws `NephroError.Validation` naming `field`.
@discardableResult
func checkValidation<T>(_ field: String, _ what: String, _ body: () throws -> T) -> NephroError? {
    let error = checkThrows(what, body, where: { error in
        if case NephroError.Validation(field: field, reason: _) = error { return true }
        return false
    })
    return error as? NephroError
}

/// Where the conformance cases are (set from the command line or the environment).
enum Config {
    static var sharedConformance = ProcessInfo.processInfo.environment["NEPHRO_SHARED_CONFORMANCE"]
    static var nextConformance = ProcessInfo.processInfo.environment["NEPHRO_SHARED_CONFORMANCE_NEXT"]
    static var repoConformance = ProcessInfo.processInfo.environment["NEPHRO_REPO_CONFORMANCE"]
    static var relay: String?
}

var filter = ""
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    let value = arguments.next()
    switch argument {
    case "--shared-conformance": Config.sharedConformance = value
    case "--next-conformance": Config.nextConformance = value
    case "--repo-conformance": Config.repoConformance = value
    case "--filter": filter = value ?? ""
    case "--relay": Config.relay = value
    default:
        FileHandle.standardError.write("swift: unknown argument \(argument)\n".data(using: .utf8)!)
        exit(2)
    }
}

let tests = (Config.relay != nil ? liveRelayTests : allTests).filter { filter.isEmpty || $0.name.contains(filter) }
for test in tests {
    Checks.currentTest = test.name
    do {
        try test.run()
    } catch {
        Checks.failures.append("\(test.name): threw \(error)")
    }
}
if tests.isEmpty {
    FileHandle.standardError.write("swift: no tests found\n".data(using: .utf8)!)
    exit(1)
}
if !Checks.failures.isEmpty {
    Checks.failures.forEach { print("FAILED \($0)") }
    print("swift: \(Checks.failures.count) failures (\(Checks.count) checks) in \(tests.count) tests")
    exit(1)
}
print("swift: \(Checks.count) checks passed in \(tests.count) tests")
exit(0)
