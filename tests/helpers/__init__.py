"""What several test modules share (files, the CLI as a process, the oracles, a browser, a server); test modules
import from here, never from each other."""
