//! The `dermaga` binary: parses the command line and hands over to the `api` crate.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Dermaga: the GraphQL API backend for marketplace aggregators.
///
/// Every setting is an environment variable; see the README.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Load the demo data set (safe to repeat) before serving.
    #[arg(long)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Deliver queued listings to partner channels (run any number of copies).
    Worker,
    /// Create a platform admin login.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// The password; read from the ADMIN_PASSWORD variable when omitted.
        #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Print the GraphQL schema (SDL).
    PrintSchema,
    /// Fill the database with a large synthetic catalogue (for benchmarks).
    Seed {
        #[arg(long, default_value_t = 10_000)]
        sellers: usize,
        #[arg(long, default_value_t = 200_000)]
        products: usize,
        #[arg(long, default_value_t = 5)]
        aggregators: usize,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("dermaga: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => api::cli::serve(cli.demo).await,
            Command::Migrate => api::cli::migrate().await,
            Command::Worker => api::cli::worker().await,
            Command::CreateAdmin { email, password } => {
                api::cli::create_admin(&email, &password).await
            }
            Command::Seed {
                sellers,
                products,
                aggregators,
            } => {
                let plan = api::seed::SeedPlan {
                    aggregators,
                    sellers,
                    products,
                };
                api::cli::seed(plan).await
            }
            Command::PrintSchema => {
                api::cli::print_schema();
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whole cause chain: "cannot connect to the database at …: …".
            eprintln!("dermaga: {}", format!("{err:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
