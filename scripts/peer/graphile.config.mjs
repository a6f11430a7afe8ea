// PostGraphile v5, the peer of scripts/bench.sh scenario (h): its stock "amber" preset over the
// benchmark's database, nothing added. DATABASE_URL and PORT come from scripts/bench.py.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      // The same number of connections as Dermaga's pool (DATABASE_MAX_CONNECTIONS, set by bench.py).
      poolConfig: { max: Number(process.env.PG_POOL_MAX || 10) },
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.PORT || 18090),
    // Queries over GET, as the Dermaga scenarios send them.
    graphqlOverGET: true,
    graphiql: false,
    watch: false,
  },
  grafast: { explain: false },
};

export default preset;
