//! Reading a password for a verb: never from the command line, where `ps` and shell history
//! would keep it.

use anyhow::bail;
use std::io::{BufRead, IsTerminal};

/// Reads a password: prompted twice without echo on a terminal, else one line of stdin.
pub(super) fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("{prompt}: "))?;
        let second = rpassword::prompt_password("Repeat it: ")?;
        if first != second {
            bail!("the passwords do not match");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            bail!("no password on stdin (pipe one in, e.g. `echo \"$PASS\" | rezerve user add …`)");
        }
        Ok(password)
    }
}
