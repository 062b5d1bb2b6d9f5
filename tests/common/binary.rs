//! The `parvis` binary as a process: started with `serve` on a free port, stopped with SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub fn parvis() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parvis"));
    command.env_remove("DATABASE_URL").env("RUST_LOG", "warn");
    command
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `parvis serve` process, killed if a test fails before stopping it (so no server outlives
/// its test and holds the test runner's output open).
pub struct Server(pub Child);

impl Server {
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// SIGTERM, then the exit status and what the server logged.
    pub fn terminate(&mut self) -> (std::process::ExitStatus, String) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.0.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        let mut logs = String::new();
        if let Some(stderr) = self.0.stderr.as_mut() {
            std::io::Read::read_to_string(stderr, &mut logs).unwrap();
        }
        (self.0.wait().unwrap(), logs)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `parvis serve` and waits for the line announcing GraphiQL; its log (warnings and
/// errors) is kept for `stop`.
pub fn serve(configure: impl FnOnce(&mut Command)) -> (Server, u16, String) {
    let port = free_port();
    let mut command = parvis();
    command
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    configure(&mut command);
    let mut child = command.spawn().expect("start parvis serve");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    while !banner.contains("GraphiQL") {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "parvis serve exited early:\n{banner}"
        );
        banner.push_str(&line);
    }
    (Server(child), port, banner)
}

/// Stops the server with SIGTERM: it exits cleanly, and nothing failed while it ran or shut down
/// (no error and no backtrace in its log).
pub fn stop(mut server: Server) {
    let (status, logs) = server.terminate();
    assert!(
        status.success(),
        "parvis serve did not exit cleanly on SIGTERM: {status}\n{logs}"
    );
    assert!(
        !["ERROR", "backtrace"]
            .iter()
            .any(|trouble| logs.contains(trouble)),
        "parvis serve logged trouble:\n{logs}"
    );
}
