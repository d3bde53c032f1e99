import { createHash } from 'node:crypto';

/** A synthesized CloudFormation template, as Template.toJSON() gives it. */
export interface CfnTemplate {
  readonly Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/** The account, region and partition the templates are deployed to in the simulation. */
export interface TestEnvironment {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

export const TEST_ENVIRONMENT: TestEnvironment = { account: '111111111111', region: 'eu-west-1', partition: 'aws' };

/**
 * Turns the intrinsics of synthesized templates (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select,
 * Fn::Split, Fn::ImportValue, Fn::GetStackOutput, pseudo parameters) into the concrete values a
 * deployment would have, with made-up but well-formed physical ids and ARNs: what IAM evaluates.
 * Several stacks of one app resolve together, so a caller stack's reference to the vendor stack
 * resolves to the vendor's value.
 */
export class TemplateResolver {
  constructor(
    private readonly templates: Readonly<Record<string, CfnTemplate>>,
    readonly environment: TestEnvironment = TEST_ENVIRONMENT,
  ) {}

  /** The template of `stack`. */
  template(stack: string): CfnTemplate {
    const template = this.templates[stack];
    if (template === undefined) throw new Error(`No template for stack ${stack}: have ${Object.keys(this.templates).join(', ')}`);
    return template;
  }

  /** Every resource of `type` in `stack`, by logical id. */
  resourcesOfType(stack: string, type: string): Array<[string, Record<string, unknown>]> {
    return Object.entries(this.template(stack).Resources ?? {})
      .filter(([, resource]) => resource.Type === type)
      .map(([id, resource]) => [id, resource.Properties ?? {}]);
  }

  /** `value` with every intrinsic resolved, in the context of `stack`. */
  resolve(stack: string, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(stack, item));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) return this.intrinsic(stack, key, argument);
    return Object.fromEntries(entries.map(([name, item]) => [name, this.resolve(stack, item)]));
  }

  /** `value` resolved, which must be a string. */
  resolveString(stack: string, value: unknown): string {
    const resolved = this.resolve(stack, value);
    if (typeof resolved !== 'string') throw new Error(`Expected a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  /** The ARN of a Lambda function given by name or ARN (CloudFormation accepts both in FunctionName). */
  lambdaArn(nameOrArn: string): string {
    if (nameOrArn.startsWith('arn:')) return nameOrArn;
    const { partition, region, account } = this.environment;
    return `arn:${partition}:lambda:${region}:${account}:function:${nameOrArn}`;
  }

  private intrinsic(stack: string, name: string, argument: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(stack, String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? (argument as string[]) : String(argument).split('.');
        return this.getAtt(stack, String(logicalId), String(attribute));
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(stack, parts) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (this.resolve(stack, list) as unknown[])[Number(this.resolve(stack, index))];
      }
      case 'Fn::Split': {
        const [separator, source] = argument as [string, unknown];
        return this.resolveString(stack, source).split(separator);
      }
      case 'Fn::Sub':
        return this.sub(stack, argument);
      case 'Fn::ImportValue':
        return this.importValue(this.resolveString(stack, argument));
      case 'Fn::GetStackOutput': {
        const { StackName, OutputName } = argument as { StackName: unknown; OutputName: unknown };
        return this.output(this.resolveString(stack, StackName), this.resolveString(stack, OutputName));
      }
      default:
        throw new Error(`Intrinsic ${name} is not supported by the test resolver`);
    }
  }

  private sub(stack: string, argument: unknown): string {
    const [text, variables] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [String(argument), {}];
    return text.replace(/\$\{([^}]+)\}/g, (_match, reference: string) => {
      if (reference in variables) return String(this.resolve(stack, variables[reference]));
      const [logicalId, attribute] = reference.split('.');
      return String(attribute === undefined ? this.ref(stack, logicalId!) : this.getAtt(stack, logicalId!, attribute));
    });
  }

  private ref(stack: string, logicalId: string): string {
    const { account, region, partition } = this.environment;
    const pseudo: Record<string, string> = {
      'AWS::AccountId': account,
      'AWS::Region': region,
      'AWS::Partition': partition,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': stack,
    };
    if (logicalId in pseudo) return pseudo[logicalId]!;
    const resource = this.resource(stack, logicalId);
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::Lambda::Function':
        return functionName(stack, logicalId);
      case 'AWS::Lambda::Alias':
        return `${this.lambdaArn(this.resolveString(stack, properties.FunctionName))}:${this.resolveString(stack, properties.Name)}`;
      case 'AWS::Lambda::Version':
        return `${this.lambdaArn(this.resolveString(stack, properties.FunctionName))}:1`;
      case 'AWS::ApiGateway::RestApi':
        return shortId(`${stack}/${logicalId}`);
      case 'AWS::ApiGateway::Stage':
        return this.resolveString(stack, properties.StageName);
      case 'AWS::IAM::Role':
        return `${stack}-${logicalId}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:${partition}:secretsmanager:${region}:${account}:secret:${logicalId}-AbCdEf`;
      default:
        return `${stack}-${logicalId}`;
    }
  }

  private getAtt(stack: string, logicalId: string, attribute: string): string {
    const { account, region, partition } = this.environment;
    const resource = this.resource(stack, logicalId);
    if (resource.Type === 'AWS::Lambda::Function' && attribute === 'Arn') return this.lambdaArn(functionName(stack, logicalId));
    if (resource.Type === 'AWS::IAM::Role' && attribute === 'Arn') return `arn:${partition}:iam::${account}:role/${this.ref(stack, logicalId)}`;
    if (resource.Type === 'AWS::Lambda::Version' && attribute === 'Version') return '1';
    if (resource.Type === 'AWS::ApiGateway::RestApi' && attribute === 'RootResourceId') return 'rootid';
    if (resource.Type === 'AWS::Events::Rule' && attribute === 'Arn') return `arn:${partition}:events:${region}:${account}:rule/${stack}-${logicalId}`;
    if (attribute === 'Arn') return `arn:${partition}:test:${region}:${account}:${stack}/${logicalId}`;
    return `${stack}-${logicalId}-${attribute}`;
  }

  private resource(stack: string, logicalId: string): { Type: string; Properties?: Record<string, unknown> } {
    const resource = this.template(stack).Resources?.[logicalId];
    if (resource === undefined) throw new Error(`Stack ${stack} has no resource ${logicalId}`);
    return resource;
  }

  private output(stack: string, name: string): unknown {
    const output = this.template(stack).Outputs?.[name];
    if (output === undefined) throw new Error(`Stack ${stack} has no output ${name}`);
    return this.resolve(stack, output.Value);
  }

  private importValue(exportName: string): unknown {
    for (const stack of Object.keys(this.templates)) {
      for (const [name, output] of Object.entries(this.template(stack).Outputs ?? {})) {
        if (output.Export !== undefined && this.resolve(stack, output.Export.Name) === exportName) return this.output(stack, name);
      }
    }
    throw new Error(`No stack exports ${exportName}`);
  }
}

function functionName(stack: string, logicalId: string): string {
  return `${stack}-${logicalId}`.slice(0, 64);
}

function shortId(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 10);
}
