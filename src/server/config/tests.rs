//! The configuration as an operator meets it: defaults, the file, the environment over
//! it, and one-line errors that name the key and never a secret.

use super::*;
use std::collections::HashMap;

fn load(file: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_sources("Leptos.toml", file, move |k| env.get(k).cloned())
}

#[test]
fn defaults_put_everything_under_data() {
    let config = load("", &[]).unwrap();
    assert_eq!(config.site_addr, "127.0.0.1:3000".parse().unwrap());
    assert_eq!(config.data_dir, PathBuf::from("data"));
    assert_eq!(config.database_url, "sqlite://data/tessera.db");
    assert_eq!(config.secret_key_file, PathBuf::from("data/secret.key"));
    assert!(config.trusted_proxies.is_empty());
    assert_eq!(config.log, "info");
    assert_eq!(config.secret_key, None);
}

#[test]
fn smtp_is_off_without_a_host_and_checked_with_one() {
    assert_eq!(load("", &[]).unwrap().smtp, None);
    let file = r#"
        [smtp]
        host = "mail.example.com"
        port = 2525
        tls = "none"
        username = "tessera"
        password = "hunter2-secret"
        from = "Tessera <tessera@example.com>"
    "#;
    let config = load(file, &[]).unwrap();
    let smtp = config.smtp.clone().unwrap();
    assert_eq!(
        (smtp.host.as_str(), smtp.port, smtp.tls),
        ("mail.example.com", 2525, SmtpTls::None)
    );
    assert_eq!(
        smtp.credentials,
        Some(("tessera".into(), "hunter2-secret".into()))
    );
    assert!(
        !format!("{config:?}").contains("hunter2"),
        "the password is never shown"
    );
    // Defaults: STARTTLS on 587.
    let plain = load("[smtp]\nhost = \"h\"\nfrom = \"a@example.com\"", &[])
        .unwrap()
        .smtp
        .unwrap();
    assert_eq!(
        (plain.port, plain.tls, plain.credentials),
        (587, SmtpTls::StartTls, None)
    );
    // Missing or bad values say which key and what it wants; the password is not echoed.
    let message = load("[smtp]\nhost = \"h\"", &[]).unwrap_err().to_string();
    assert!(
        message.contains("[smtp] from") && message.contains("[smtp] host"),
        "{message}"
    );
    let message = load("[smtp]\nhost = \"h\"\nfrom = \"nobody\"", &[])
        .unwrap_err()
        .to_string();
    assert!(message.contains("sender address"), "{message}");
    let message = load(file, &[("TESSERA_SMTP_TLS", "ssl")])
        .unwrap_err()
        .to_string();
    assert!(message.contains("none, starttls or tls"), "{message}");
    let message = load(
        "[smtp]\nhost = \"h\"\nfrom = \"a@example.com\"\npassword = \"hunter2-secret\"",
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("[smtp] username") && !message.contains("hunter2"),
        "{message}"
    );
}

#[test]
fn a_secret_key_is_64_hex_characters_and_never_echoed() {
    let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let config = load("", &[("TESSERA_SECRET_KEY", hex)]).unwrap();
    let key = config.secret_key.clone().unwrap();
    assert_eq!(key.0[1], 0x11);
    assert_eq!(key.to_hex(), hex);
    assert!(!format!("{config:?}").contains("aabbcc"));
    let error = load("", &[("TESSERA_SECRET_KEY", "tooshort-secret")]).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("TESSERA_SECRET_KEY"), "{message}");
    assert!(message.contains("64 hexadecimal characters"), "{message}");
    assert!(!message.contains("tooshort"), "{message}");
    assert!(load("", &[("TESSERA_SECRET_KEY", &"zz".repeat(32))]).is_err());
}

#[test]
fn file_values_are_read_and_env_overrides_them() {
    let file = r#"
        site_addr = "0.0.0.0:8080"
        data_dir = "/var/lib/tessera"
        trusted_proxies = ["10.0.0.0/8", "127.0.0.1"]
    "#;
    let config = load(file, &[]).unwrap();
    assert_eq!(config.site_addr, "0.0.0.0:8080".parse().unwrap());
    assert_eq!(config.database_url, "sqlite:///var/lib/tessera/tessera.db");
    assert_eq!(
        config.trusted_proxies,
        vec![
            "10.0.0.0/8".parse::<IpNet>().unwrap(),
            "127.0.0.1/32".parse().unwrap()
        ]
    );

    let config = load(
        file,
        &[
            ("TESSERA_SITE_ADDR", "127.0.0.1:4000"),
            ("TESSERA_TRUSTED_PROXIES", "192.168.0.0/16"),
        ],
    )
    .unwrap();
    assert_eq!(config.site_addr, "127.0.0.1:4000".parse().unwrap());
    assert_eq!(
        config.trusted_proxies,
        vec!["192.168.0.0/16".parse::<IpNet>().unwrap()]
    );
}

#[test]
fn database_url_precedence_is_tessera_then_database_url_then_file() {
    let file = r#"database_url = "sqlite://from-file.db""#;
    assert_eq!(
        load(file, &[]).unwrap().database_url,
        "sqlite://from-file.db"
    );
    let pg = "postgres://u:p@localhost/db";
    assert_eq!(load("", &[("DATABASE_URL", pg)]).unwrap().database_url, pg);
    let config = load(
        file,
        &[
            ("DATABASE_URL", pg),
            ("TESSERA_DATABASE_URL", "sqlite://env.db"),
        ],
    )
    .unwrap();
    assert_eq!(config.database_url, "sqlite://env.db");
}

#[test]
fn a_bad_env_value_names_the_variable_and_what_it_expects() {
    let error = load("", &[("TESSERA_SITE_ADDR", "localhost")]).unwrap_err();
    let message = error.to_string();
    assert_eq!(
        message,
        "environment variable TESSERA_SITE_ADDR: TESSERA_SITE_ADDR=\"localhost\" is invalid; \
         expected an IP address and port, such as 127.0.0.1:3000"
    );
    assert!(!message.contains('\n'));
}

#[test]
fn a_bad_file_value_names_the_key_and_file() {
    let error = load("trusted_proxies = [\"not-an-ip\"]", &[]).unwrap_err();
    assert!(matches!(
        &error,
        ConfigError::Invalid {
            origin: Origin::File {
                key: "trusted_proxies",
                ..
            },
            ..
        }
    ));
    assert!(
        error
            .to_string()
            .starts_with("key `trusted_proxies` in Leptos.toml:")
    );

    let error = load("site_addr = 3000", &[]).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("expected an IP address and port")
    );
}

#[test]
fn database_url_errors_never_echo_the_value() {
    let error = load("", &[("TESSERA_DATABASE_URL", "mysql://root:hunter2@db/x")]).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("TESSERA_DATABASE_URL"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    let error = load("", &[("DATABASE_URL", "mysql://root:hunter2@db/x")]).unwrap_err();
    assert!(!error.to_string().contains("hunter2"));
    assert!(
        error
            .to_string()
            .starts_with("environment variable DATABASE_URL")
    );
}

#[test]
fn unknown_keys_and_bad_toml_are_refused_in_one_line() {
    let error = load("sit_addr = \"127.0.0.1:3000\"", &[]).unwrap_err();
    assert!(matches!(&error, ConfigError::UnknownKey { key, .. } if key == "sit_addr"));
    assert!(error.to_string().contains("site_addr"));

    let error = load("site_addr = ", &[]).unwrap_err();
    assert!(matches!(error, ConfigError::Syntax { .. }));
    assert!(!error.to_string().contains('\n'));
}

#[test]
fn log_filters_are_validated() {
    assert_eq!(
        load("", &[("TESSERA_LOG", "tessera=debug,info")])
            .unwrap()
            .log,
        "tessera=debug,info"
    );
    assert!(load("", &[("TESSERA_LOG", "tessera=loud")]).is_err());
}

#[test]
fn the_smtp_table_is_read_and_its_variables_override_it() {
    let file = "[smtp]\nhost = \"file.example.com\"\nfrom = \"a@example.com\"\nusername = \"u\"\npassword = \"from-file\"";
    let smtp = load(
        file,
        &[
            ("TESSERA_SMTP_HOST", "env.example.com"),
            ("TESSERA_SMTP_PASSWORD", "from-env"),
        ],
    )
    .unwrap()
    .smtp
    .unwrap();
    assert_eq!(smtp.host, "env.example.com");
    assert_eq!(smtp.credentials, Some(("u".into(), "from-env".into())));
    // The environment alone is enough.
    let smtp = load(
        "",
        &[
            ("TESSERA_SMTP_HOST", "h"),
            ("TESSERA_SMTP_FROM", "a@example.com"),
            ("TESSERA_SMTP_PORT", "2525"),
        ],
    )
    .unwrap()
    .smtp
    .unwrap();
    assert_eq!((smtp.host.as_str(), smtp.port), ("h", 2525));

    let message = load("[smtp]\nport = \"many\"", &[])
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "key `[smtp] port` in Leptos.toml: port = \"many\" is invalid; expected a port number, such as 587"
    );
    let message = load("[smtp]\npassword = \"\"", &[])
        .unwrap_err()
        .to_string();
    assert!(message.starts_with("key `[smtp] password` in Leptos.toml: the value is invalid"));
    let message = load("smtp = \"mail.example.com\"", &[])
        .unwrap_err()
        .to_string();
    assert!(message.contains("an [smtp] table"), "{message}");
}

#[test]
fn an_old_flat_smtp_key_names_its_new_spelling() {
    let error = load("smtp_host = \"mail.example.com\"", &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "configuration file Leptos.toml: key `smtp_host` is now spelled `[smtp] host`: write `host = …` under an [smtp] line"
    );
    let message = load("smtp_password = \"hunter2-secret\"", &[])
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("`[smtp] password`") && !message.contains("hunter2"),
        "{message}"
    );
    let error = load("[smtp]\nhots = \"h\"", &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "configuration file Leptos.toml: unknown key `[smtp] hots` (known keys: host, port, tls, username, password, from)"
    );
}

#[test]
fn every_key_the_file_takes_has_a_variable_and_a_message() {
    let known = |file| match load(file, &[]) {
        Err(ConfigError::UnknownKey { known, .. }) => known,
        other => panic!("{other:?}"),
    };
    let top = known("nope = 1");
    let table = known("[smtp]\nnope = 1");
    let mut taken: Vec<String> = top
        .split(", ")
        .filter(|key| *key != "smtp")
        .map(str::to_owned)
        .chain(table.split(", ").map(|key| format!("smtp.{key}")))
        .collect();
    let mut listed: Vec<String> = keys().map(|key| key.path.to_owned()).collect();
    taken.sort();
    listed.sort();
    assert_eq!(taken, listed);
}

#[test]
fn environment_values_stay_text() {
    // All digits: a type-guessing reader would make it a number.
    let digits = "07".repeat(32);
    let config = load("", &[("TESSERA_SECRET_KEY", &digits)]).unwrap();
    assert_eq!(config.secret_key, Some(SecretKey([7; 32])));
    let config = load("", &[("TESSERA_DATA_DIR", "2024")]).unwrap();
    assert_eq!(config.data_dir, PathBuf::from("2024"));
}

#[test]
fn a_syntax_error_never_quotes_the_line() {
    let message = load("secret_key = \"hunter2-secret", &[])
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "configuration file Leptos.toml is not valid TOML: line 1, column 29: invalid basic string"
    );
}

#[test]
fn the_shipped_leptos_toml_and_its_smtp_example_load() {
    let shipped = include_str!("../../../Leptos.toml");
    let config = Config::from_sources("Leptos.toml", shipped, |_| None).unwrap();
    assert_eq!(config.smtp, None);
    // The commented [smtp] example, uncommented, is a working table.
    let (head, example) = shipped.split_once("# [smtp]").unwrap();
    let example: Vec<&str> = example
        .lines()
        .map(|line| line.strip_prefix("# ").unwrap_or(line))
        .collect();
    let file = format!("{head}[smtp]{}", example.join("\n"));
    let smtp = Config::from_sources("Leptos.toml", &file, |_| None)
        .unwrap()
        .smtp
        .unwrap();
    assert_eq!(
        (smtp.host.as_str(), smtp.port, smtp.tls),
        ("smtp.example.com", 587, SmtpTls::StartTls)
    );
}
