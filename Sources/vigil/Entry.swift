import VigilCommands
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
enum Entry {
    static func main() async {
        // Everything Vigil writes (the database, the master key, spooled uploads) is its own:
        // files 0600, directories 0700, whatever the shell's umask.
        umask(0o077)
        await VigilCommand.main()
    }
}
