//! The command line, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "coffer", version, about = "Coffer: documents in your S3 bucket, from the command line")]
pub struct Cli {
    /// The connection to use (default: the built-in Local vault).
    #[arg(long, short = 'c', global = true, env = "COFFER_CONNECTION")]
    pub connection: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Add, list, test or remove connections.
    Connection {
        #[command(subcommand)]
        command: ConnectionCommand,
    },
    /// Upload files and folders: `coffer put report.pdf photos/ archive/2026/`.
    Put {
        /// Files and folders, optionally followed by a destination folder ending in '/'.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The destination folder (instead of a last argument ending in '/').
        #[arg(long)]
        to: Option<String>,
        /// What to do where a name is already taken. Without it such a file is not uploaded, the
        /// others are, and the exit code says so: nothing is replaced unless asked.
        #[arg(long, value_enum, value_name = "WHAT")]
        on_conflict: Option<Conflict>,
        #[command(flatten)]
        tuning: Tuning,
    },
    /// Finish uploads an earlier run left unfinished (crash, power cut, killed process).
    Resume {
        #[command(flatten)]
        tuning: Tuning,
    },
    /// List a folder.
    Ls {
        prefix: Option<String>,
        /// Every document under the folder, at any depth.
        #[arg(long, short)]
        recursive: bool,
    },
    /// Find documents by any part of their name, anywhere in the connection: `coffer find invoice 2026`.
    /// Refreshes the connection's local search index first.
    Find {
        /// Words that must each appear in the name, in any case (none: every document the options allow).
        text: Vec<String>,
        /// Only documents of this kind.
        #[arg(long = "type", value_enum, value_name = "KIND")]
        kind: Option<Kind>,
        /// Only documents under this folder.
        #[arg(long = "in", value_name = "FOLDER")]
        folder: Option<String>,
        /// Only documents larger than this many MiB.
        #[arg(long, value_name = "MIB")]
        larger_than: Option<u64>,
        /// Print at most this many documents.
        #[arg(long, default_value_t = 100, value_name = "N")]
        limit: usize,
    },
    /// Create a folder (and the folders above it): `coffer mkdir reports/2026`.
    Mkdir { folder: String },
    /// Move or rename documents and folders on the server: `coffer mv a.pdf b.pdf` renames,
    /// `coffer mv a.pdf reports/ old/` moves into a folder. Folders end in '/' or exist as folders.
    Mv {
        /// What to move, then where: a folder (ending in '/', or existing) or, for one item, a new name.
        #[arg(required = true, num_args = 2..)]
        paths: Vec<String>,
        /// What to do where a name is already taken (default: stop before anything moves).
        #[arg(long, value_enum, value_name = "WHAT")]
        on_conflict: Option<Conflict>,
    },
    /// Copy documents and folders on the server, like `coffer mv` but keeping the originals.
    Cp {
        #[arg(required = true, num_args = 2..)]
        paths: Vec<String>,
        #[arg(long, value_enum, value_name = "WHAT")]
        on_conflict: Option<Conflict>,
    },
    /// Who is editing which documents of a folder (live edit locks), and since when.
    Locks { folder: Option<String> },
    /// Delete documents, or whole folders with --recursive.
    /// Move documents (or whole folders, with --recursive) to the trash, where
    /// `coffer trash restore` brings them back.
    Rm {
        #[arg(required = true)]
        keys: Vec<String>,
        /// Treat the arguments as folders and delete everything in them.
        #[arg(long, short)]
        recursive: bool,
        /// Delete for good, without the trash: this cannot be undone.
        #[arg(long)]
        permanent: bool,
    },
    /// What was deleted: list it, bring it back, or empty the trash.
    Trash {
        #[command(subcommand)]
        command: TrashCommand,
    },
    /// Download a document.
    ///
    /// With --into, every argument is a document or a folder (ending in '/'), all downloaded into
    /// that folder; folders keep their structure. Without it, a second argument is where to save
    /// the one document.
    Get {
        #[arg(required = true, value_name = "KEY")]
        keys: Vec<String>,
        /// Download everything named into this folder (created if missing).
        #[arg(long, value_name = "FOLDER")]
        into: Option<PathBuf>,
        /// What to do where a local file already has a name (default: leave it and report it).
        #[arg(long, value_enum, value_name = "WHAT")]
        on_conflict: Option<Conflict>,
    },
    /// Print a link anyone can open until it expires.
    Share {
        key: String,
        /// How long the link works, like 1h, 1d or 7d (at most 7 days).
        #[arg(long, default_value = "1d")]
        expires: humantime::Duration,
    },
    /// Keep the Local vault running (and its share links working) until Ctrl-C.
    Serve,
    /// Abort multipart uploads that nothing will finish: not in the transfer journal, and started
    /// longer ago than --older-than (a colleague may be uploading right now).
    Cleanup {
        /// Leave uploads started more recently than this, like 1h or 2d.
        #[arg(long, default_value = "1d")]
        older_than: humantime::Duration,
    },
}

#[derive(Subcommand)]
pub enum TrashCommand {
    /// Deleted documents, newest first, with the delete (batch) each belongs to.
    Ls,
    /// Put a delete's documents back where they were (all of them, or the keys given). A place
    /// taken by a newer document is left alone and reported.
    Restore { batch: String, keys: Vec<String> },
    /// Delete what the trash holds for good.
    Empty {
        /// Only deletes made longer ago than this, like 30d.
        #[arg(long)]
        older_than: Option<humantime::Duration>,
    },
}

/// How much an upload does at once; the defaults suit most links.
#[derive(Args, Clone, Copy)]
pub struct Tuning {
    /// Files sent at the same time.
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Parts of one large file sent at the same time.
    #[arg(long, value_name = "N")]
    pub parts: Option<usize>,
    /// Size of each part of a large file, in MiB (at least 5).
    #[arg(long, value_name = "MIB")]
    pub part_size: Option<u64>,
    /// Memory for file contents in flight, in MiB.
    #[arg(long, value_name = "MIB")]
    pub memory: Option<u64>,
}

#[derive(Subcommand)]
pub enum ConnectionCommand {
    /// Add a connection; the secret is read from a hidden prompt or standard input.
    Add(AddConnection),
    /// List the connections.
    List,
    /// Check that a connection can reach its bucket, read and write.
    Test { name: String },
    /// Remove a connection and its secret.
    Remove { name: String },
}

#[derive(Args)]
pub struct AddConnection {
    pub name: String,
    /// The server's URL; leave out for AWS S3.
    #[arg(long)]
    pub endpoint: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long)]
    pub bucket: String,
    /// A folder of the bucket to work in.
    #[arg(long)]
    pub prefix: Option<String>,
    #[arg(long)]
    pub access_key_id: Option<String>,
    /// Use the AWS credential chain with this profile ("" for the default) instead of the keychain.
    #[arg(long)]
    pub aws_profile: Option<String>,
    /// Use virtual-hosted-style addressing (bucket in the host name).
    #[arg(long)]
    pub virtual_hosted: bool,
    /// Save without testing the connection first.
    #[arg(long)]
    pub skip_test: bool,
    /// Allow plain http:// to another computer: documents and keys cross the network unencrypted.
    #[arg(long)]
    pub insecure: bool,
    /// A PEM file with the certificate authority of a server that has its own certificate.
    #[arg(long, value_name = "FILE")]
    pub ca_certificate: Option<PathBuf>,
}

/// `--on-conflict`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Conflict {
    /// Leave the document there and skip the file.
    Skip,
    /// Replace the document (only the version there now: a later change by someone else wins).
    Replace,
    /// Store the file beside it as "name (1).ext".
    KeepBoth,
}

/// `coffer find --type`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Kind {
    Pdf,
    Word,
    Spreadsheet,
    Presentation,
    Image,
    Text,
    Archive,
    Audio,
    Video,
    Other,
}
