#!/usr/bin/env python3
"""What template.yaml gives each function, read the way CloudFormation reads it.

Expands the SAM transform with aws-sam-translator (the library `sam build`
and cfn-lint use), then resolves Ref, Fn::GetAtt, Fn::Sub, Fn::If,
Fn::Join and the conditions against the parameter values given on the
command line. Prints one JSON document:

    {"functions": {"LoginFunction": {
        "binary": "login",
        "environment": {"TOKEN_SIGNING_KEY": "...", ...},
        "secrets": ["TOKEN_SIGNING_KEY", "WECHAT_SECRET"],
        "routes": [["POST", "/auth/login"], ...],
        "dynamodb_actions": ["dynamodb:GetItem", ...],
        "reserved_concurrency": null, ...}, ...},
     "throttling": {"default": {"rate": 200, "burst": 400},
                    "routes": {"POST /auth/login": {"rate": 100, "burst": 200}, ...}},
     "parameter_defaults": {"AppId": null, "ApiRateLimit": "200", ...}}

A function the conditions leave out is not listed. `secrets` names the
variables whose value comes from a NoEcho parameter or from the masked
answer of the TokenKeys custom resource (its SmsCodeKey). Resource
attributes (Fn::GetAtt) resolve to the values given with --attribute, or to
a placeholder naming them.

Usage: template_facts.py TEMPLATE [--parameter Name=Value ...]
                                  [--attribute Resource.Attribute=Value ...]
"""

import argparse
import json
import os
import re
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

# Attributes of the custom resource that are secrets (masked by NoEcho).
SECRET_ATTRIBUTES = {"TokenKeys.SmsCodeKey"}


class NoManagedPolicies:
    """The template names no managed policy; SAM only adds the basic
    execution role's, which it knows by ARN."""

    def load(self):
        return {}


class Resolver:
    def __init__(self, template, parameters, attributes):
        self.template = template
        self.attributes = attributes
        self.secret_parameters = set()
        self.values = {}
        for name, spec in template.get("Parameters", {}).items():
            if spec.get("NoEcho") in (True, "true", "True"):
                self.secret_parameters.add(name)
            if name in parameters:
                self.values[name] = parameters[name]
            elif "Default" in spec:
                self.values[name] = str(spec["Default"])
            else:
                raise SystemExit(f"parameter {name} has no value: give --parameter {name}=...")
        self.values.update({
            "AWS::Region": parameters.get("AWS::Region", "us-east-1"),
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::StackName": "wxauth",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        })
        self.conditions = {}
        self.secret_seen = False

    def condition(self, name):
        if name not in self.conditions:
            self.conditions[name] = bool(self.resolve(self.template["Conditions"][name]))
        return self.conditions[name]

    def resolve(self, node):
        """The value of `node`; sets self.secret_seen when a secret went in."""
        if isinstance(node, list):
            return [v for v in (self.resolve(x) for x in node) if v is not None]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                if arg in self.secret_parameters:
                    self.secret_seen = True
                if arg in self.values:
                    return self.values[arg]
                return self.attribute(arg, "Ref")
            if key == "Fn::GetAtt":
                resource, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.attribute(resource, attribute)
            if key == "Fn::If":
                name, yes, no = arg
                return self.resolve(yes if self.condition(name) else no)
            if key == "Fn::Equals":
                a, b = (self.resolve(x) for x in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(x) for x in arg)
            if key == "Fn::Or":
                return any(self.resolve(x) for x in arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Contains":
                haystack, needle = (self.resolve(x) for x in arg)
                return needle in haystack
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(x) for x in self.resolve(items))
            if key == "Fn::Sub":
                return self.substitute(arg)
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in node.items()) if v is not None}

    def attribute(self, resource, attribute):
        name = f"{resource}.{attribute}"
        if name in SECRET_ATTRIBUTES:
            self.secret_seen = True
        return self.attributes.get(name, f"<{name}>")

    def substitute(self, arg):
        text, variables = (arg, {}) if isinstance(arg, str) else arg
        variables = {k: self.resolve(v) for k, v in variables.items()}
        out, i = [], 0
        while i < len(text):
            start = text.find("${", i)
            if start < 0:
                out.append(text[i:])
                break
            end = text.index("}", start)
            out.append(text[i:start])
            name = text[start + 2:end]
            if name.startswith("!"):
                out.append("${" + name[1:] + "}")
            elif name in variables:
                out.append(str(variables[name]))
            elif "." in name:
                out.append(str(self.resolve({"Fn::GetAtt": name})))
            else:
                out.append(str(self.resolve({"Ref": name})))
            i = end + 1
        return "".join(out)


def function_routes(template, resolver):
    """(method, path) of each HttpApi route, by the function it invokes: the
    API's OpenAPI body as SAM wrote it, its conditions resolved."""
    routes = {}
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::ApiGatewayV2::Api":
            continue
        paths = resolver.resolve(resource["Properties"].get("Body", {}).get("paths", {}))
        for path, methods in paths.items():
            for method, operation in methods.items():
                uri = operation["x-amazon-apigateway-integration"]["uri"]
                function = re.search(r"<(\w+)\.Arn>", uri).group(1)
                routes.setdefault(function, []).append([method.upper(), path])
    return routes


def dynamodb_actions(template, role_name, resolver):
    actions = set()
    role = template["Resources"].get(role_name, {})
    for policy in resolver.resolve(role.get("Properties", {}).get("Policies", [])):
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement.get("Effect") != "Allow":
                continue
            listed = statement["Action"]
            for action in [listed] if isinstance(listed, str) else listed:
                if action.startswith("dynamodb:"):
                    actions.add(action)
    return sorted(actions)


def throttle(settings):
    """Requests per second (a double to API Gateway) and burst (an integer)."""
    rate, burst = settings.get("ThrottlingRateLimit"), settings.get("ThrottlingBurstLimit")
    return {"rate": None if rate is None else float(rate), "burst": None if burst is None else int(burst)}


def stage_throttling(template, resolver):
    """The HttpApi stage's limits: the default of every route, and the
    route keys ("POST /path") that set their own."""
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::ApiGatewayV2::Stage":
            continue
        properties = resolver.resolve(resource["Properties"])
        return {
            "default": throttle(properties.get("DefaultRouteSettings", {})),
            "routes": {key: throttle(s) for key, s in properties.get("RouteSettings", {}).items()},
        }
    raise SystemExit("no HttpApi stage in the template")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("template")
    parser.add_argument("--parameter", action="append", default=[])
    parser.add_argument("--attribute", action="append", default=[])
    args = parser.parse_args()
    parameters = dict(p.split("=", 1) for p in args.parameter)
    attributes = dict(a.split("=", 1) for a in args.attribute)

    with open(args.template) as f:
        sam = yaml_parse(f.read())
    # As `sam package` leaves it: each function's code uploaded to S3.
    for name, resource in sam["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://wxauth-artifacts/{name}.zip"
    # The transform reads the region from the environment (as boto does).
    os.environ.setdefault("AWS_DEFAULT_REGION", parameters.get("AWS::Region", "us-east-1"))
    known = {k: v for k, v in parameters.items() if not k.startswith("AWS::")}
    cfn = transform(sam, known, NoManagedPolicies())
    resolver = Resolver(cfn, parameters, attributes)
    routes = function_routes(cfn, resolver)

    functions = {}
    sam_resources = sam["Resources"]
    for name, resource in cfn["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        if "Condition" in resource and not resolver.condition(resource["Condition"]):
            continue
        properties = resource["Properties"]
        environment, secrets = {}, []
        for var, value in properties.get("Environment", {}).get("Variables", {}).items():
            resolver.secret_seen = False
            resolved = resolver.resolve(value)
            if resolved is None:
                continue
            environment[var] = str(resolved)
            if resolver.secret_seen:
                secrets.append(var)
        role = properties["Role"]["Fn::GetAtt"][0]
        reserved = resolver.resolve(properties.get("ReservedConcurrentExecutions"))
        functions[name] = {
            "binary": sam_resources[name]["Metadata"]["BuildProperties"]["Binary"],
            "environment": environment,
            "secrets": sorted(secrets),
            "routes": sorted(routes.get(name, [])),
            "dynamodb_actions": dynamodb_actions(cfn, role, resolver),
            "memory": resolver.resolve(properties.get("MemorySize", 128)),
            "timeout": resolver.resolve(properties.get("Timeout", 3)),
            "reserved_concurrency": reserved if reserved is None else int(reserved),
        }
    facts = {
        "functions": functions,
        "throttling": stage_throttling(cfn, resolver),
        "parameter_defaults": {
            name: (str(spec["Default"]) if "Default" in spec else None)
            for name, spec in sam.get("Parameters", {}).items()
        },
    }
    json.dump(facts, sys.stdout, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
