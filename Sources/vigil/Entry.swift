import VigilCommands

@main
enum Entry {
    static func main() async {
        await VigilCommand.main()
    }
}
