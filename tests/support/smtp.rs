//! A real SMTP server on loopback (mailin-embedded) that keeps what it is sent, and a
//! mailer relaying to it.

use std::{
    io,
    net::TcpListener,
    sync::{Arc, Mutex},
};

use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use tessera::server::{
    config::{Smtp, SmtpTls},
    jobs::mail::Mailer,
};

/// A message as the SMTP server received it.
#[derive(Clone, Debug, Default)]
pub struct Received {
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn subject(&self) -> String {
        let message = mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a message");
        message.subject().unwrap_or_default().to_owned()
    }
    pub fn body(&self) -> String {
        let message = mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a message");
        message.body_text(0).unwrap_or_default().into_owned()
    }
    pub fn from(&self) -> String {
        String::from_utf8_lossy(&self.data)
            .lines()
            .find_map(|line| line.strip_prefix("From: ").map(str::to_owned))
            .unwrap_or_default()
    }
}

/// Collects what each SMTP session delivers.
#[derive(Clone, Default)]
struct Sink {
    inbox: Arc<Mutex<Vec<Received>>>,
    current: Received,
}

impl Handler for Sink {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Received {
            to: to.to_vec(),
            data: Vec::new(),
        };
        response::OK
    }
    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.current.data.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        self.inbox
            .lock()
            .unwrap()
            .push(std::mem::take(&mut self.current));
        response::OK
    }
}

/// An SMTP server on a free loopback port, for the life of the test process.
pub fn smtp_sink() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sink = Sink::default();
    let inbox = sink.inbox.clone();
    let mut server = Server::new(sink);
    server
        .with_name("sink.test")
        .with_ssl(SslConfig::None)
        .unwrap()
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve().map_err(|error| error.to_string());
    });
    (port, inbox)
}

pub fn relay(port: u16) -> Mailer {
    Mailer::new(Some(&Smtp {
        host: "127.0.0.1".into(),
        port,
        tls: SmtpTls::None,
        credentials: None,
        from: "Tessera <tessera@example.com>".into(),
    }))
    .unwrap()
}

/// Waits (briefly) until the sink holds `count` messages, then takes them.
pub async fn take(inbox: &Arc<Mutex<Vec<Received>>>, count: usize) -> Vec<Received> {
    for _ in 0..200 {
        if inbox.lock().unwrap().len() >= count {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let taken: Vec<_> = inbox.lock().unwrap().drain(..).collect();
    assert_eq!(taken.len(), count, "{taken:#?}");
    taken
}
