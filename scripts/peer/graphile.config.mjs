// PostGraphile v5, the peer of scripts/bench.sh scenario (h): its stock "amber" preset over the
// benchmark's database. DATABASE_URL and PORT come from scripts/bench.py.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  // By default v5 leaves out relations and conditions whose columns lead no index: the variants
  // of a product (foreign key (product_id, aggregator_id), indexed on product_id alone) and the
  // condition on products.status. This keeps them, so the page can be asked at all.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      // As many connections as Dermaga's pool in the benchmark (scripts/bench.py passes its
      // DATABASE_MAX_CONNECTIONS, 20 as docker-compose.yml sets it).
      poolConfig: { max: Number(process.env.DATABASE_MAX_CONNECTIONS || 20) },
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
