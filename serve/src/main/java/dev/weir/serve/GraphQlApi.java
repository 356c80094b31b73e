package dev.weir.serve;

import graphql.ExceptionWhileDataFetching;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GraphQL schema over the {@link ReadModel}: the same content as the JSON endpoints, with the
 * same field names.
 *
 * <pre>{@code
 * { entity(type: "account", id: "a-17") { as_of features { name value } warming }
 *   transaction(id: "t-1") { decision score model_version reasons { feature contribution } }
 *   account(id: "a-17") { decisions(last: 5) { transaction_id decision score } } }
 * }</pre>
 */
final class GraphQlApi {

    static final String SCHEMA =
            """
            type Query {
              "An entity's latest feature values; null when it is unknown or its state expired."
              entity(type: String!, id: ID!): Entity
              "A transaction's decision; null when it is unknown."
              transaction(id: ID!): Decision
              "An account with its recent decisions; null when no decision of it is known."
              account(id: ID!): Account
            }
            type Entity {
              entity: String!
              entity_id: ID!
              "Event time the values are as of (ISO-8601)."
              as_of: String!
              transaction_id: String!
              feature_set_version: String!
              features: [Feature!]!
              "Features whose window has not yet filled."
              warming: [String!]!
            }
            type Feature {
              name: String!
              value: Float
            }
            type Decision {
              transaction_id: ID!
              account_id: String!
              merchant_id: String!
              device_id: String
              decision: String!
              score: Float!
              model_name: String!
              model_version: String!
              event_time: String!
              scoring_time: String!
              challenger_version: String
              challenger_score: Float
              challenger_decision: String
              reasons: [Reason!]!
            }
            type Reason {
              feature: String!
              contribution: Float!
            }
            type Account {
              account_id: ID!
              "Newest event first; at most the number the server keeps per account."
              decisions(last: Int = 20): [Decision!]!
            }
            """;

    /** The outcome of one request: the HTTP status and the GraphQL response. */
    record Answer(int status, Map<String, Object> body) {}

    private final GraphQL graphQl;

    GraphQlApi(ReadModel model, int recent) {
        RuntimeWiring wiring =
                RuntimeWiring.newRuntimeWiring()
                        .type(
                                "Query",
                                query ->
                                        query.dataFetcher(
                                                        "entity",
                                                        env ->
                                                                model.entity(
                                                                                env.getArgument(
                                                                                        "type"),
                                                                                env.getArgument(
                                                                                        "id"))
                                                                        .orElse(null))
                                                .dataFetcher(
                                                        "transaction",
                                                        env ->
                                                                model.transaction(
                                                                                env.getArgument(
                                                                                        "id"))
                                                                        .orElse(null))
                                                .dataFetcher(
                                                        "account",
                                                        env -> {
                                                            String id = env.getArgument("id");
                                                            return model.accountDecisions(
                                                                            id, recent)
                                                                    .map(
                                                                            decisions ->
                                                                                    account(
                                                                                            id,
                                                                                            decisions))
                                                                    .orElse(null);
                                                        }))
                        .type(
                                "Entity",
                                entity ->
                                        entity.dataFetcher(
                                                "features",
                                                env ->
                                                        features(
                                                                env
                                                                        .<Map<String, Object>>
                                                                                getSource())))
                        .type(
                                "Account",
                                account ->
                                        account.dataFetcher(
                                                "decisions",
                                                env -> {
                                                    Map<String, Object> source = env.getSource();
                                                    List<?> all = (List<?>) source.get("decisions");
                                                    int last = env.getArgument("last");
                                                    return all.subList(
                                                            0,
                                                            Math.max(
                                                                    0, Math.min(last, all.size())));
                                                }))
                        .build();
        GraphQLSchema schema =
                new SchemaGenerator()
                        .makeExecutableSchema(new SchemaParser().parse(SCHEMA), wiring);
        this.graphQl = GraphQL.newGraphQL(schema).build();
    }

    /**
     * Runs a query. A query that does not parse or validate is a client's mistake (400, with
     * graphql-java's messages); stores that are not ready make it 503.
     */
    Answer execute(String query, Map<String, Object> variables, String operationName) {
        ExecutionInput.Builder input =
                ExecutionInput.newExecutionInput()
                        .query(query)
                        .variables(variables == null ? Map.of() : variables);
        if (operationName != null) {
            input.operationName(operationName);
        }
        ExecutionResult result = graphQl.execute(input.build());
        Map<String, Object> body = result.toSpecification();
        if (!result.isDataPresent()) {
            return new Answer(400, body);
        }
        for (GraphQLError error : result.getErrors()) {
            if (error instanceof ExceptionWhileDataFetching failed
                    && failed.getException() instanceof ReadModel.NotReady) {
                return new Answer(503, body);
            }
        }
        return new Answer(200, body);
    }

    private static Map<String, Object> account(String id, List<Map<String, Object>> decisions) {
        Map<String, Object> account = new LinkedHashMap<>();
        account.put("account_id", id);
        account.put("decisions", decisions);
        return account;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> features(Map<String, Object> entity) {
        List<Map<String, Object>> list = new ArrayList<>();
        ((Map<String, Double>) entity.get("features"))
                .forEach(
                        (name, value) -> {
                            Map<String, Object> feature = new LinkedHashMap<>();
                            feature.put("name", name);
                            feature.put("value", value);
                            list.add(feature);
                        });
        return list;
    }
}
