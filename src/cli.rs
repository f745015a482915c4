//! Command-line flags, as typed (clap derive). Help texts are what users read: Swedish.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "reservpack",
    version,
    about = "Skriver ut reservpärmar för äldreomsorgen inför driftstopp i verksamhetssystemen",
    long_about = "reservpack läser exporter från Welfare, Treserva, Time Care och kontaktlistor och skriver\n\
                  utskriftsfärdiga PDF:er: pappersschema per medarbetare, reservpärm per omsorgstagare,\n\
                  enhetsöversikter, telefonlistor och reservblanketter – varje sida stämplad med sekretess\n\
                  och gallringsdatum.\n\n\
                  Slutkoder: 0 publicerat, 1 misslyckades (inget publicerat), 2 fel i kommandot,\n\
                  3 publicerat med dataproblem, 4 en annan körning skriver redan till utkatalogen.",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Skapar reservpacket (PDF:er och manifest) från en katalog med exporter.
    Generate(GenerateArgs),
    /// Kontrollerar exporterna utan att skapa något (slutkod som generate: 0, 3 eller 1).
    Check(CheckArgs),
    /// Skriver fiktiva testdata i exportformatet (för demo, tester och prestandamätning).
    Fixtures(FixturesArgs),
    /// Tar bort digitala kopior vars gallringsdatum har passerat och håller manifestet sant.
    Gallra(GallraArgs),
    /// Säger om ett utskrivet blad (dokument-id och kort version) är aktuellt eller ersatt.
    Verify(VerifyArgs),
    /// Skickar utskriftsbuntarna (en per enhet och målgrupp, dubbelsidigt) till en skrivare med lp (CUPS).
    Print(PrintArgs),
    /// Kopierar en enhets aktuella pack till ett (krypterat) USB-minne: PDF:er i mappar,
    /// ifyllbara blanketter, innehållsförteckning (index.html) och kontrollsummor.
    Export(ExportArgs),
    /// Startar webbsidan för enhetschefer och personal (pärmens status, personer, gallringslista, verifiering).
    Serve(ServeArgs),
    /// Lägger till, tar bort eller byter lösenord för en användare av webbsidan.
    User(UserArgs),
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// Utkatalogen med det publicerade packet.
    #[arg(long, value_name = "KATALOG")]
    pub out: PathBuf,
    /// Enheten som kopieras (enhet_id, t.ex. HT-NORR).
    #[arg(long, value_name = "ID")]
    pub unit: String,
    /// Målmappen, oftast USB-minnets monteringspunkt. Måste finnas. Kopian skrivs till en
    /// ny mapp "Reservpack <enhet> <datum>" där; en tidigare kopia med samma namn ersätts
    /// först när den nya är komplett.
    #[arg(long, value_name = "MÅL")]
    pub to: PathBuf,
    /// Ta också med enhetschefens begränsade material, i en egen mapp märkt BEGRÄNSAD.
    /// Utan flaggan skrivs inget begränsat material.
    #[arg(long)]
    pub begransad: bool,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Utkatalogen med det publicerade packet.
    #[arg(long, value_name = "KATALOG")]
    pub out: PathBuf,
    /// Katalogen med exporterna (för att skapa om en persons pärm från sidan).
    #[arg(long, value_name = "KATALOG")]
    pub input: PathBuf,
    /// Adressen och porten som sidan lyssnar på. Standard: 127.0.0.1:8080 (bara den här datorn;
    /// lägg en omvänd proxy med TLS framför för andra).
    #[arg(long, value_name = "ADRESS:PORT", default_value = "127.0.0.1:8080", hide_default_value = true)]
    pub listen: std::net::SocketAddr,
    /// Konfigurationsfil (standard: reservpack.toml i indatakatalogen om den finns).
    #[arg(long, value_name = "FIL")]
    pub config: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum UserAction {
    /// Lägg till en användare (lösenordet läses från standard in).
    Add,
    /// Ta bort en användare.
    Remove,
    /// Byt lösenord (det nya läses från standard in).
    Passwd,
}

#[derive(clap::Args, Debug)]
pub struct UserArgs {
    /// add, remove eller passwd.
    #[arg(value_enum, value_name = "ÅTGÄRD", hide_possible_values = true)]
    pub action: UserAction,
    /// Användarnamnet.
    #[arg(value_name = "NAMN")]
    pub name: String,
    /// Roll: enhetschef (allt i sin enhet, även begränsat), personal (enhetens allmänna
    /// dokument, bara läsa) eller admin (alla enheter).
    #[arg(long, value_name = "ROLL")]
    pub role: Option<String>,
    /// Enheten (enhet_id) för enhetschef och personal.
    #[arg(long, value_name = "ID")]
    pub unit: Option<String>,
    /// Utkatalogen; användarna sparas i .users.json där.
    #[arg(long, value_name = "KATALOG")]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct GallraArgs {
    /// Utkatalogen med det publicerade packet.
    #[arg(long, value_name = "KATALOG")]
    pub out: PathBuf,
    /// Dagen som gallringsdatum jämförs med (standard: i dag, svensk tid).
    #[arg(long, value_name = "ÅÅÅÅ-MM-DD", value_parser = parse_date)]
    pub today: Option<chrono::NaiveDate>,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// Utkatalogen med det publicerade packet.
    #[arg(long, value_name = "KATALOG", required_unless_present = "offline", conflicts_with = "offline")]
    pub out: Option<PathBuf>,
    /// Kontrollera i stället en kopia från reservpack export (mappen eller USB-minnet):
    /// att alla filer finns, är oförändrade, att inga andra filer tillkommit och att
    /// kopian skrevs klart. Kräver inget pack och ingen nätverksanslutning.
    #[arg(long, value_name = "MÅL")]
    pub offline: Option<PathBuf>,
    /// Dokument-id som det står på bladet (t.ex. GP-1A2B3C4D5E) – eller, ensamt, texten i
    /// bladets QR-kod: reservpack:<id>:<version> eller <adress>/v/<id>/<version>.
    #[arg(value_name = "DOKUMENT_ID", required_unless_present = "offline", conflicts_with = "offline")]
    pub doc_id: Option<String>,
    /// Versionen som den står på bladet (de första 8 tecknen efter "v", eller hela).
    #[arg(value_name = "VERSION", conflicts_with = "offline")]
    pub version: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct PrintArgs {
    /// Utkatalogen med det publicerade packet.
    #[arg(long, value_name = "KATALOG")]
    pub out: PathBuf,
    /// Skriv bara ut denna enhets buntar.
    #[arg(long, value_name = "ID")]
    pub unit: Option<String>,
    /// Skrivarens namn i CUPS. Utan flaggan: miljövariabeln RESERVPACK_PRINTER, och utan
    /// den lp:s standardskrivare (lpoptions/lpstat -d).
    #[arg(long, value_name = "NAMN")]
    pub printer: Option<String>,
    /// Skriv bara ut ändringsbuntarna (nya och ändrade dokument sedan förra körningen) i
    /// stället för hela packet. Utan flaggan skapas först de hela buntar som saknas (nattens
    /// körning skapar bara ändringsbuntarna).
    #[arg(long)]
    pub delta: bool,
    /// Skriv ut enhetschefens begränsade buntar (begransad/print/) – och bara dem – till
    /// skrivaren för begränsat material: --printer, annars skrivare_begransad i
    /// konfigurationen, annars miljövariabeln RESERVPACK_PRINTER_BEGRANSAD. Utan flaggan
    /// skrivs bara allmänna buntar ut.
    #[arg(long)]
    pub begransad: bool,
    /// Konfigurationsfilen (reservpack.toml) som anger skrivare_begransad, och mallkatalog
    /// och publik_adress för de hela buntar som skapas.
    #[arg(long, value_name = "FIL")]
    pub config: Option<PathBuf>,
    /// Visa lp-kommandona utan att köra dem.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Katalogen med exporterna (enheter.csv, personer.csv, besok.csv …).
    #[arg(long, value_name = "KATALOG")]
    pub input: PathBuf,
    /// Utkatalogen där packet publiceras.
    #[arg(long, value_name = "KATALOG")]
    pub out: PathBuf,
    /// Besöksdagen som scheman gäller (ÅÅÅÅ-MM-DD). Standard: i morgon (svensk tid).
    #[arg(long, value_name = "ÅÅÅÅ-MM-DD", value_parser = parse_date)]
    pub date: Option<chrono::NaiveDate>,
    /// Antal dagar från --date (1–31). Standard: horisont_dagar i konfigurationen, annars 1.
    /// Slutar perioden före en helg eller helgdag tas också de lediga dagarna efter med
    /// (en körning torsdagen före påsk täcker till och med annandag påsk).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=31))]
    pub days: Option<u32>,
    /// Skapa om bara denna omsorgstagares dokument (person_id).
    #[arg(long, value_name = "ID")]
    pub person: Option<String>,
    /// Skapa om bara denna enhets dokument (enhet_id).
    #[arg(long, value_name = "ID")]
    pub unit: Option<String>,
    /// Publicera ingenting om något dataproblem hittas.
    #[arg(long)]
    pub strict: bool,
    /// Konfigurationsfil (standard: reservpack.toml i indatakatalogen om den finns).
    #[arg(long, value_name = "FIL")]
    pub config: Option<PathBuf>,
    /// När exporterna togs ut ("ÅÅÅÅ-MM-DD TT:MM"), tryckt som "Uppgifter per …" på varje sida.
    /// Standard: den senaste ändringstiden bland indatafilerna.
    #[arg(long, value_name = "ÅÅÅÅ-MM-DD TT:MM", value_parser = parse_date_time)]
    pub data_as_of: Option<chrono::NaiveDateTime>,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Katalogen med exporterna.
    #[arg(long, value_name = "KATALOG")]
    pub input: PathBuf,
    /// Konfigurationsfil (standard: reservpack.toml i indatakatalogen om den finns).
    #[arg(long, value_name = "FIL")]
    pub config: Option<PathBuf>,
    /// Dagen som kontrollen utgår från (personnummer, lokalt skydd). Standard: i morgon.
    #[arg(long, value_name = "ÅÅÅÅ-MM-DD", value_parser = parse_date, hide = true)]
    pub date: Option<chrono::NaiveDate>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ScaleArg {
    /// Två enheter (en hemtjänst, ett boende), cirka 40 personer.
    Demo,
    /// En hemtjänstenhet med cirka 150 personer.
    Unit,
    /// Cirka 120 enheter, 10 000 personer, 4 000 medarbetare, 40 000 besök per dag.
    City,
}

#[derive(clap::Args, Debug)]
pub struct FixturesArgs {
    /// Storlek: demo (två enheter), unit (en enhet, ~150 personer) eller city (~120 enheter).
    #[arg(long, value_enum, value_name = "STORLEK", hide_possible_values = true)]
    pub scale: ScaleArg,
    /// Frö för slumpen: samma frö ger samma filer. Standard: 1.
    #[arg(long, value_name = "N", default_value_t = 1, hide_default_value = true)]
    pub seed: u64,
    /// Katalogen som filerna skrivs till.
    #[arg(long, value_name = "KATALOG")]
    pub out: PathBuf,
}

fn parse_date_time(s: &str) -> Result<chrono::NaiveDateTime, String> {
    let t = s.trim();
    ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(t, f).ok())
        .ok_or_else(|| format!("\"{t}\" är inte en tidpunkt ÅÅÅÅ-MM-DD TT:MM"))
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    reservpack::ingest::values::parse_date(s)
}
