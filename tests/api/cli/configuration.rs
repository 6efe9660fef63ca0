//! Configuration as the binary reads it: the file, the environment, and bad values refused.

use super::*;

#[test]
fn config_errors_stop_every_verb_before_it_touches_data() {
    struct Case {
        file: Option<&'static str>,
        env: &'static [(&'static str, &'static str)],
        names: &'static str,
    }
    let cases = [
        Case {
            file: Some("[holds]\nttl_secs = 5\n"),
            env: &[],
            names: "holds.ttl_secs",
        },
        Case {
            file: Some("[srever]\nlisten = \"127.0.0.1:1\"\n"),
            env: &[],
            names: "srever",
        },
        Case {
            file: None,
            env: &[("REZERVE_SERVER__PORT", "1")],
            names: "server.port",
        },
        Case {
            file: Some("[server]\nlisten = \"nowhere\"\n"),
            env: &[],
            names: "server.listen",
        },
        Case {
            file: None,
            env: &[("REZERVE_SERVER__LISTEN", "nowhere")],
            names: "server.listen",
        },
        Case {
            file: Some("[holds]\nttl_seconds = \"soon\"\n"),
            env: &[],
            names: "holds.ttl_seconds",
        },
        Case {
            file: None,
            env: &[("REZERVE_HOLDS__TTL_SECONDS", "soon")],
            names: "holds.ttl_seconds",
        },
        Case {
            file: Some("[holds]\nttl_seconds = 600\nmax_lifetime_seconds = 60\n"),
            env: &[],
            names: "holds.max_lifetime_seconds",
        },
        Case {
            file: Some("[mail]\ntransport = \"smtp\"\n"),
            env: &[],
            names: "mail.smtp_url",
        },
        Case {
            file: Some("[mail]\ntransport = \"pigeon\"\n"),
            env: &[],
            names: "mail.transport",
        },
        Case {
            file: Some("[server\nlisten = 1\n"),
            env: &[],
            names: "rezerve.toml",
        },
    ];
    for case in &cases {
        for verb in [
            &["migrate"][..],
            &["serve"],
            &[],
            &["seed", "demo"],
            &["user", "list"],
            &["check"],
        ] {
            let work = Workdir::new();
            // Found as ./rezerve.toml, the default path.
            if let Some(file) = case.file {
                work.write("rezerve.toml", file);
            }
            let mut cmd = work.cmd(verb);
            for (key, value) in case.env {
                cmd = cmd.env(key, value);
            }
            cmd.run().assert_code(2).assert_stderr(case.names);
            assert!(
                !work.data_dir().exists(),
                "`{}` with a bad config created the data dir",
                verb.join(" ")
            );
        }
    }

    // `init` refuses an existing bad file the same way.
    let work = Workdir::new();
    work.write("rezerve.toml", "[holds]\nttl_secs = 5\n");
    work.run(&["init", "--generate-password"])
        .assert_code(2)
        .assert_stderr("holds.ttl_secs");
    assert!(!work.data_dir().exists());
}

#[test]
fn a_named_config_file_must_exist() {
    let work = Workdir::new();
    work.write("rezerve.toml", "");
    for verb in [&["migrate"][..], &["serve"], &["check"]] {
        let mut args = vec!["--config", "elsewhere.toml"];
        args.extend_from_slice(verb);
        work.run(&args)
            .assert_code(2)
            .assert_stderr("elsewhere.toml does not exist");
    }
    assert!(!work.data_dir().exists());
}

#[test]
fn the_environment_overrides_the_file() {
    let work = Workdir::new();
    work.write("custom.toml", "[storage]\ndata_dir = \"./from-file\"\n");
    work.cmd(&["--config", "custom.toml", "migrate"])
        .env("REZERVE_STORAGE__DATA_DIR", "./from-env")
        .run()
        .assert_success();
    assert!(work.path().join("from-env/rezerve.db").exists());
    assert!(!work.path().join("from-file").exists());

    work.run(&["--config", "custom.toml", "migrate"])
        .assert_success();
    assert!(work.path().join("from-file/rezerve.db").exists());

    // Without --config, ./rezerve.toml is read when present.
    work.write(
        "rezerve.toml",
        "[storage]\ndata_dir = \"./from-default-file\"\n",
    );
    work.run(&["migrate"]).assert_success();
    assert!(work.path().join("from-default-file/rezerve.db").exists());
    assert!(!work.data_dir().exists());
}
